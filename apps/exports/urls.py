from django.urls import path

from apps.exports import views

urlpatterns = [
    path("exports", views.export_list, name="exports"),
    path("exports/<uuid:export_id>/delete", views.export_delete, name="export-delete"),
]
