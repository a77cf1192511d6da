"""Job events: stored as rows first, pushed to listeners after the commit.

The row id orders the stream, so a client that reconnects asks for `after=<id>`
and loses nothing. The push is only a wake-up call: with Redis it crosses from
the worker to every web process; with the embedded in-memory layer it cannot, and
the WebSocket consumer notices new rows by polling the table instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from apps.jobs.models import EventType, Job, JobEvent

logger = logging.getLogger(__name__)


def group_name(job_id) -> str:
    return f"job-{job_id}"


def emit(job: Job, type: EventType | str, data: dict) -> JobEvent:
    """Store one event and wake listeners once the surrounding transaction commits."""
    return emit_many(job, [(type, data)])[-1]


def emit_many(job: Job, events: Iterable[tuple[EventType | str, dict]]) -> list[JobEvent]:
    rows = JobEvent.objects.bulk_create(
        [JobEvent(job=job, type=str(type), data=data) for type, data in events]
    )
    if rows:
        last_id = rows[-1].id
        transaction.on_commit(lambda: wake_listeners(job.pk, last_id))
    return rows


def wake_listeners(job_id, last_id: int) -> None:
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        # An in-memory layer cannot reach the web process, and consumers poll the
        # table anyway; async_to_sync would cost a thread and a loop per page (~1.5 ms).
        return
    try:
        async_to_sync(layer.group_send)(group_name(job_id), {"type": "job.wake", "id": last_id})
    except Exception:  # a down Redis must not fail the job: consumers still poll
        logger.warning("could not publish wake-up for job %s", job_id, exc_info=True)


def events_after(job_id, after: int = 0, limit: int = 500) -> list[JobEvent]:
    return list(JobEvent.objects.filter(job_id=job_id, id__gt=after).order_by("id")[:limit])
