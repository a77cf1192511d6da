"""The jobs app's part of /api/v1/system/stats: analyses by status, pages crawled, the
task queue."""

from __future__ import annotations

from django.db.models import Count
from django_q.brokers import get_broker

from apps.jobs.models import Job, Page, Status


def analyses() -> dict:
    by_status = dict(Job.objects.values_list("status").annotate(n=Count("id")))
    return {"total": sum(by_status.values()),
            "by_status": {status.value: by_status.get(status.value, 0) for status in Status},
            "pages_crawled": Page.objects.count()}


def queue() -> dict:
    broker = get_broker()
    return {"queued": broker.queue_size(), "in_progress": broker.lock_size() or 0}
