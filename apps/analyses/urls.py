from django.urls import path

from apps.analyses import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("account", views.account, name="account"),
    path("analyses/new", views.new_analysis, name="job-new"),
    path("analyses/<uuid:job_id>", views.job_detail, name="job-detail"),
    path("analyses/<uuid:job_id>/cancel", views.job_cancel, name="job-cancel"),
]
