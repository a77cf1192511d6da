from django.urls import path

from apps.notifications import views

urlpatterns = [
    path("notifications", views.inbox, name="notifications"),
    path("notifications/read", views.mark_all_read, name="notifications-read"),
    path("notifications/<int:notification_id>/read", views.mark_one_read,
         name="notification-read"),
    path("webhooks", views.webhook_list, name="webhooks"),
    path("webhooks/<int:endpoint_id>", views.webhook_detail, name="webhook-detail"),
    path("webhooks/<int:endpoint_id>/ping", views.webhook_ping, name="webhook-ping"),
    path("webhooks/<int:endpoint_id>/rotate-secret", views.webhook_rotate_secret,
         name="webhook-rotate-secret"),
    path("webhooks/<int:endpoint_id>/delete", views.webhook_delete, name="webhook-delete"),
    path("webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver",
         views.webhook_redeliver, name="webhook-redeliver"),
]
