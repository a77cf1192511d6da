"""The retention sweep: old analyses keep their results and lose their bulk.

After SITELENS_PRUNE_AFTER_DAYS (0: never) an ended analysis loses each page's
Markdown and the fine-grained events of its live log (page, finding, progress, log);
its pages, findings, scores, persona reviews and summary events (status, completed,
failed) stay. `Job.pruned` records when and what was removed, and the API, the
analysis page and the Markdown export say so.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.analyses.models import PageContent
from apps.jobs.models import TERMINAL, EventType, Job, JobEvent

PRUNED_EVENTS = (EventType.PAGE, EventType.FINDING, EventType.PROGRESS, EventType.LOG)
BATCH = 100


def prune_old_analyses(*, now=None, days: int | None = None) -> int:
    """Prune every analysis that ended more than `days` ago; how many were pruned."""
    days = settings.SITELENS_PRUNE_AFTER_DAYS if days is None else days
    if days <= 0:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    pruned = 0
    while True:
        ids = list(Job.objects.filter(status__in=TERMINAL, finished_at__lt=cutoff,
                                      pruned__isnull=True)
                   .order_by("finished_at").values_list("pk", flat=True)[:BATCH])
        for job_id in ids:
            prune(job_id, now=now, days=days)
        pruned += len(ids)
        if len(ids) < BATCH:
            return pruned


def prune(job_id, *, now, days: int) -> dict:
    with transaction.atomic():
        markdown, _ = PageContent.objects.filter(job_id=job_id).delete()
        events, _ = JobEvent.objects.filter(job_id=job_id, type__in=PRUNED_EVENTS).delete()
        record = {"at": now.isoformat(), "after_days": days, "markdown_pages": markdown,
                  "events": events}
        Job.objects.filter(pk=job_id).update(pruned=record)
    return record
