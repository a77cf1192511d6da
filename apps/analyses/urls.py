from django.urls import path

from apps.analyses import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("account", views.account, name="account"),
    path("analyses/new", views.new_analysis, name="job-new"),
    path("analyses/<uuid:job_id>", views.job_detail, name="job-detail"),
    path("analyses/<uuid:job_id>/row", views.dashboard_row, name="job-row"),
    path("analyses/<uuid:job_id>/report", views.job_report, name="job-report"),
    path("analyses/<uuid:job_id>/pages/<int:page_id>", views.job_page, name="job-page"),
    path("analyses/<uuid:job_id>/compare", views.job_compare, name="job-compare"),
    path("analyses/<uuid:job_id>/cancel", views.job_cancel, name="job-cancel"),
    path("analyses/<uuid:job_id>/share", views.share_create, name="share-create"),
    path("analyses/<uuid:job_id>/share/<int:link_id>/revoke", views.share_revoke,
         name="share-revoke"),
    path("share/<str:token>", views.shared_report, name="share"),
    path("share/<str:token>/pages/<int:page_id>", views.shared_page, name="share-page"),
]
