from django.urls import path

from apps.notifications import views

urlpatterns = [
    path("notifications", views.inbox, name="notifications"),
    path("notifications/read", views.mark_all_read, name="notifications-read"),
]
