"""The report page's "Build export" button (the panel is `templatetags/exports_panel`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from apps.core.errors import ServiceError
from apps.exports import services
from apps.jobs.models import Job


@login_required
@require_POST
def export_create(request, job_id):
    """Queue an export of my analysis and go back to its report, where it is listed."""
    job = get_object_or_404(Job.objects.owned_by(request.user), pk=job_id)
    try:
        export = services.export_create(user=request.user, job=job,
                                        format=request.POST.get("format", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Building the {export.format.upper()} export: it is listed "
                                  "below and you will be notified when it is ready.")
    return redirect(reverse("job-detail", args=[job.pk]) + "#exports")


urlpatterns = [
    path("analyses/<uuid:job_id>/exports/new", export_create, name="export-create"),
]
