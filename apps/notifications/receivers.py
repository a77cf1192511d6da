"""Subscriptions to the lifecycle hooks (apps.core.lifecycle)."""

from __future__ import annotations

from apps.core.lifecycle import FAILED, SUCCEEDED
from apps.jobs.models import Job
from apps.notifications import services


def on_transition(sender, *, job, transition, **kwargs) -> None:
    if transition in (SUCCEEDED, FAILED):
        # The snapshot is the job as it ended; read it again for the owner and counts.
        services.job_ended(Job.objects.select_related("owner").get(pk=job.pk))


def on_export_ready(sender, *, export, **kwargs) -> None:
    services.export_ready(export)
