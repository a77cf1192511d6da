"""Writes on jobs from the outside: create (admission), cancel, retry, delete.

Running a job is `apps.jobs.runner`; recovering one whose worker died is
`apps.jobs.recovery`. What a job of a kind does is not known here.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from apps.accounts import usage
from apps.accounts.models import Credential, User
from apps.core.errors import Conflict, QuotaExceeded
from apps.jobs import events
from apps.jobs.models import EventType, Job, Status
from apps.jobs.runner import end_job

RETRYABLE = frozenset({Status.FAILED, Status.CANCELLED})


def enqueue_run(job: Job) -> None:
    """Queue the run once the creating transaction commits (never a job that rolled back)."""
    job_id = str(job.pk)
    Job.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
    transaction.on_commit(lambda: async_task("apps.jobs.tasks.run_job", job_id,
                                             task_name=f"job-{job_id}"))


def job_by_idempotency_key(owner: User, key: str) -> Job | None:
    return Job.objects.filter(owner=owner, idempotency_key=key).first() if key else None


def job_create(*, owner: User, kind: str, url: str, options: dict,
               credential: Credential | None = None, idempotency_key: str = "",
               retry_of: Job | None = None, enqueue: bool = True) -> tuple[Job, bool]:
    """Admit a job and queue it; returns (job, created).

    Admission is one atomic decision per owner: the owner's row is locked, the
    plan's limits are checked against the owner's jobs, and the job is inserted,
    all in one transaction, so parallel requests cannot together exceed the plan.
    (SQLite's immediate transactions serialise this anyway; PostgreSQL needs the
    row lock.) A retried request with the same idempotency key returns the job the
    first one made. `enqueue=False` leaves the job for the caller to run inline.
    """
    existing = job_by_idempotency_key(owner, idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            User.objects.select_for_update().only("pk").get(pk=owner.pk)
            _check_admission(owner)
            job = Job.objects.create(owner=owner, kind=kind, url=url, options=options,
                                     credential=credential, idempotency_key=idempotency_key,
                                     retry_of=retry_of)
            usage.count_analysis(owner)
            events.emit(job, EventType.STATUS, {"status": job.status, "stage": job.stage})
            if enqueue:
                enqueue_run(job)
    except IntegrityError:
        # Two concurrent requests with the same key: the other one won.
        existing = job_by_idempotency_key(owner, idempotency_key)
        if existing is None:
            raise
        return existing, False
    return job, True


def _check_admission(owner: User) -> None:
    """The plan limits that apply when a job is admitted (inside the owner's lock)."""
    plan = owner.get_plan()
    running = Job.objects.filter(owner=owner).active().count()
    if running >= plan.max_concurrent_analyses:
        raise QuotaExceeded(
            f"You already have {running} analyses queued or running, the most the "
            f"{plan.name} plan allows at once ({plan.max_concurrent_analyses}); wait for one "
            "to finish or cancel it.",
            code="concurrency_limit",
            details={"limit": plan.max_concurrent_analyses, "active": running},
        )
    now = timezone.now()
    used = usage.analyses_this_month(owner, now)
    if used >= plan.analyses_per_month:
        resets = usage.next_reset(now)
        raise QuotaExceeded(
            f"You have used all {plan.analyses_per_month} analyses the {plan.name} plan "
            f"allows this month; the quota resets on {resets:%Y-%m-%d} at 00:00 UTC.",
            code="quota_exceeded", retry_after=int((resets - now).total_seconds()) + 1,
            details={"limit": plan.analyses_per_month, "used": used,
                     "resets_at": resets.isoformat()},
        )


def job_cancel(*, job: Job) -> Job:
    """Cancel a queued job at once, or ask a running one to stop within one page."""
    if not job.request_cancel():
        job.refresh_from_db()
        raise Conflict(f"The analysis already ended ({job.status}).", code="already_finished")
    if end_job(job, Status.CANCELLED, expected=Status.QUEUED):
        return job  # it was still queued; a claim that comes later finds it cancelled
    events.log(job, "Cancellation requested.")
    job.refresh_from_db()
    return job


def job_retry(*, job: Job, enqueue: bool = True) -> Job:
    """A new job with the same kind, target, options and credential, linked to `job`."""
    if job.status not in RETRYABLE:
        raise Conflict(
            f"Only a failed or cancelled analysis can be retried; this one is {job.status}.",
            code="not_retryable",
        )
    new, _ = job_create(owner=job.owner, kind=job.kind, url=job.url, options=job.options,
                        credential=job.credential, retry_of=job, enqueue=enqueue)
    return new


def job_delete(*, job: Job) -> None:
    """Delete a job with everything it produced. A running one is told to stop first;
    its worker notices at its next heartbeat and stops without writing."""
    with transaction.atomic():
        job.request_cancel()
        credential = job.credential
        job.delete()
        if credential is not None and credential.inline and not credential.jobs.exists():
            credential.delete()  # given with this analysis only
