"""Picking up jobs whose worker died.

A running job is abandoned when either

* its worker process is gone: same machine, and the pid is dead or now belongs to
  another process (another start time; see `apps.jobs.workers`). Noticed as soon as
  a qcluster worker (re)starts (`apps.jobs.signals`); or
* its heartbeat is older than SITELENS_JOB_STALE_SECONDS, whatever the pid says.
  A live worker beats at least every SITELENS_HEARTBEAT_SECONDS, also while it
  waits on a slow site, so a stale heartbeat means a dead machine or a stuck
  worker. The once-a-minute sweep (a django-q2 schedule) covers these.

A queued job's task can be lost too: a qcluster takes tasks from the broker ahead of
its workers, and if it is killed those stay locked in the ORM broker until django-q2's
`retry` (over an hour) or, with Redis, are gone. The sweep hands a job that has been
queued for SITELENS_QUEUED_STALE_SECONDS to the broker again. A second task for a job
whose first one does arrive is harmless: only one run can claim the job.

An abandoned job goes back to the queue and resumes from its stored pages; after
SITELENS_MAX_ATTEMPTS it fails. Both moves are conditional on the dead worker
still holding the job, so two sweeps, or a sweep racing the worker's own end,
cannot act twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.jobs import events
from apps.jobs.models import Job, Status
from apps.jobs.runner import end_job
from apps.jobs.services import enqueue_run
from apps.jobs.workers import Liveness, liveness

logger = logging.getLogger(__name__)


def is_abandoned(job: Job, *, now=None) -> bool:
    stale_before = (now or timezone.now()) - timedelta(seconds=settings.SITELENS_JOB_STALE_SECONDS)
    if job.heartbeat_at is None or job.heartbeat_at < stale_before:
        return True
    return liveness(job.worker) is Liveness.DEAD


def job_recover_stale() -> list[Job]:
    """Requeue running jobs whose worker died; fail those out of attempts."""
    recovered = []
    now = timezone.now()
    for job in Job.objects.filter(status=Status.RUNNING):
        if not is_abandoned(job, now=now):
            continue
        dead_worker = job.worker
        if job.attempt >= settings.SITELENS_MAX_ATTEMPTS:
            end_job(job, Status.FAILED, error_code="too_many_attempts",
                    error=f"The analysis was interrupted {job.attempt} times "
                          "(its worker stopped); giving up.", worker=dead_worker)
            continue
        with transaction.atomic():
            if not job.release(from_worker=dead_worker):
                continue  # someone else recovered it, or it finished meanwhile
            events.log(job, f"Worker {dead_worker or '?'} stopped; the analysis resumes "
                            f"(attempt {job.attempt + 1}).", level="warning")
            enqueue_run(job)
        logger.info("job %s resumes after worker %s stopped", job.pk, dead_worker)
        recovered.append(job)
    return recovered + requeue_lost(now=now)


def requeue_lost(*, now=None) -> list[Job]:
    """Queued jobs whose task nobody took in SITELENS_QUEUED_STALE_SECONDS, queued again."""
    now = now or timezone.now()
    lost_before = now - timedelta(seconds=settings.SITELENS_QUEUED_STALE_SECONDS)
    requeued = []
    for job in Job.objects.filter(status=Status.QUEUED, enqueued_at__lt=lost_before):
        with transaction.atomic():
            # Conditional: a second sweep, or a claim meanwhile, leaves it alone.
            if not Job.objects.filter(pk=job.pk, status=Status.QUEUED,
                                      enqueued_at=job.enqueued_at).update(enqueued_at=now):
                continue
            events.log(job, f"No worker took this analysis in "
                            f"{settings.SITELENS_QUEUED_STALE_SECONDS} s; it is queued again.",
                       level="warning")
            enqueue_run(job)
        logger.warning("job %s queued again: its task was not taken in %s s", job.pk,
                       settings.SITELENS_QUEUED_STALE_SECONDS)
        requeued.append(job)
    return requeued
