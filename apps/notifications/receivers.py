"""Lifecycle receivers: in-app notifications, e-mail and webhooks for jobs and exports."""

from __future__ import annotations

import time

from django.conf import settings

from apps.core.lifecycle import CANCELLED, FAILED, STARTED, SUCCEEDED
from apps.jobs.models import EventType, Job, JobEvent
from apps.notifications import services, webhooks

WEBHOOK_EVENTS = {STARTED: "analysis.started", SUCCEEDED: "analysis.completed",
                  FAILED: "analysis.failed", CANCELLED: "analysis.cancelled"}

# When each running job last sent analysis.progress (a job runs in one worker process;
# a job resumed elsewhere may send one extra, which is harmless).
_last_progress: dict = {}
_PROGRESS_MEMORY = 1000


def _analysis(job: Job) -> dict:
    data = {"id": str(job.pk), "url": job.url, "kind": job.kind, "status": job.status,
            "pages_done": job.pages_done, "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None}
    if job.is_terminal:
        final = (JobEvent.objects.filter(job=job, type__in=[EventType.COMPLETED,
                                                            EventType.FAILED])
                 .order_by("-id").values_list("data", flat=True).first()) or {}
        data.update({key: final[key] for key in ("findings", "scores", "personas")
                     if key in final})
        if job.error_code:
            data["error"] = {"code": job.error_code, "message": job.error}
    return data


def _one_off_url(job: Job) -> str:
    return (job.options or {}).get("webhook_url") or ""


def on_transition(sender, *, job, transition, **kwargs) -> None:
    """In-app notification and e-mail."""
    if transition in (SUCCEEDED, FAILED):
        # The snapshot is the job at this transition; read it again for the owner and counts.
        services.job_ended(Job.objects.select_related("owner").get(pk=job.pk))


def on_transition_webhooks(sender, *, job, transition, **kwargs) -> None:
    """Webhooks: a receiver of its own, so a failing notification cannot cost an event."""
    if transition != STARTED:
        _last_progress.pop(job.pk, None)
    if transition not in WEBHOOK_EVENTS or (transition == STARTED and job.attempt > 1):
        return  # a resumed run (its worker died) is not a new start
    current = Job.objects.select_related("owner").get(pk=job.pk)
    webhooks.emit(current.owner, WEBHOOK_EVENTS[transition],
                  {"analysis": _analysis(current)}, one_off_url=_one_off_url(current))


def progress_due(sender, *, job, **kwargs) -> bool:
    """Whether `on_progress` sends this time: at most once per
    SITELENS_WEBHOOK_PROGRESS_SECONDS per job (the gate of its recorder)."""
    now = time.monotonic()
    last = _last_progress.get(job.pk)
    if last is not None and now - last < settings.SITELENS_WEBHOOK_PROGRESS_SECONDS:
        return False
    if len(_last_progress) >= _PROGRESS_MEMORY:
        _last_progress.clear()
    _last_progress[job.pk] = now
    return True


def on_progress(sender, *, job, progress, **kwargs) -> None:
    """analysis.progress (when `progress_due` lets it through)."""
    webhooks.emit(job.owner, "analysis.progress",
                  {"analysis": {"id": str(job.pk), "url": job.url, "status": "running",
                                **progress}},
                  one_off_url=_one_off_url(job))


def on_export_ready(sender, *, export, **kwargs) -> None:
    services.export_ready(export)
    webhooks.emit(export.owner, "export.ready", {"export": {
        "id": str(export.pk), "format": export.format, "analyses": export.analyses,
        "size": export.size, "sha256": export.sha256,
        "expires_at": export.expires_at.isoformat(),
        "api": f"/api/v1/exports/{export.pk}"}})
