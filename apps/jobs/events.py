"""Job events: stored as rows first, pushed to listeners after the commit.

The row id orders the stream, so a client that reconnects asks for `after=<id>`
and loses nothing. The push is only a wake-up call: with Redis it crosses from the
worker to every web process (the job's group, for its stream, and the owner's, for
the dashboard stream); with the embedded in-memory layer it cannot, and the
consumers notice new rows by polling the table instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from apps.core import lifecycle
from apps.jobs import kinds
from apps.jobs.models import EventType, Job, JobEvent, Status

logger = logging.getLogger(__name__)

#: What the dashboard stream carries: a job's state, not its pages and findings.
DASHBOARD_TYPES = (EventType.STATUS, EventType.PROGRESS, EventType.COMPLETED, EventType.FAILED)


def group_name(job_id) -> str:
    return f"job-{job_id}"


def owner_group_name(owner_id) -> str:
    return f"owner-{owner_id}"


def emit(job: Job, type: EventType | str, data: dict) -> JobEvent:
    """Store one event and wake listeners once the surrounding transaction commits."""
    return emit_many(job, [(type, data)])[-1]


def emit_many(job: Job, events: Iterable[tuple[EventType | str, dict]]) -> list[JobEvent]:
    rows = JobEvent.objects.bulk_create(
        [JobEvent(job=job, type=str(type), data=data) for type, data in events]
    )
    if rows:
        last_id = rows[-1].id
        to_owner = any(row.type in DASHBOARD_TYPES for row in rows)
        owner_id = job.owner_id if to_owner else None
        transaction.on_commit(lambda: wake_listeners(job.pk, last_id, owner_id=owner_id))
        progress = [row.data for row in rows if row.type == EventType.PROGRESS]
        if progress:
            lifecycle.announce_progress(job, progress[-1])
    return rows


def log(job: Job, message: str, *, level: str = "info") -> JobEvent:
    return emit(job, EventType.LOG, {"message": message, "level": level})


def emit_terminal(job: Job) -> list[JobEvent]:
    """The final status event plus `completed` / `failed`, in one batch.

    The one place the end of a job is written to its log, whoever ended it (the
    worker, a cancel, the recovery sweep). The kind adds its own summary fields.
    """
    summary = {"status": job.status, "stage": job.stage, "pages_done": job.pages_done,
               "error_code": job.error_code or None, "error": job.error or None}
    kind = kinds.get(job.kind)
    if kind is not None:
        summary.update(kind.summary(job))
    batch: list[tuple[EventType, dict]] = [
        (EventType.STATUS, {"status": job.status, "stage": job.stage})]
    if job.status == Status.SUCCEEDED:
        batch.append((EventType.COMPLETED, summary))
    elif job.status == Status.FAILED:
        batch.append((EventType.FAILED, summary))
    return emit_many(job, batch)


def wake_listeners(job_id, last_id: int, *, owner_id=None) -> None:
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        # An in-memory layer cannot reach the web process, and consumers poll the
        # table anyway; async_to_sync would cost a thread and a loop per page (~1.5 ms).
        return
    message = {"type": "job.wake", "id": last_id}
    try:
        async_to_sync(_send)(layer, group_name(job_id),
                             owner_group_name(owner_id) if owner_id else None, message)
    except Exception:  # a down Redis must not fail the job: consumers still poll
        logger.warning("could not publish wake-up for job %s", job_id, exc_info=True)


async def _send(layer, job_group: str, owner_group: str | None, message: dict) -> None:
    await layer.group_send(job_group, message)
    if owner_group:
        await layer.group_send(owner_group, message)


def events_after(job_id, after: int = 0, limit: int = 500) -> list[JobEvent]:
    return list(JobEvent.objects.filter(job_id=job_id, id__gt=after).order_by("id")[:limit])


def owner_events_after(owner, after: int = 0, limit: int = 500) -> list[JobEvent]:
    """Dashboard events of every job of `owner`, in id order."""
    return list(
        JobEvent.objects.filter(job__owner=owner, id__gt=after, type__in=DASHBOARD_TYPES)
        .order_by("id")[:limit]
    )


def last_event_id() -> int:
    return JobEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
