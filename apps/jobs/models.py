"""A job, its event log and the pages it crawled: the generic job runtime's state.

State changes live here as methods that enforce the allowed transitions. Each is
one conditional UPDATE that names the state it expects (queued, or running *for
this worker*), so a task delivered twice, a cancel racing a claim, or a worker that
was wrongly thought dead and carries on can never move a job that is no longer
theirs. Every transition is announced through the one lifecycle hook
(`apps.core.lifecycle`) inside its transaction: a start by `claim`, an end by
`apps.jobs.runner.end_job` once the job's final events are written with it.

A job's `kind` names what it does (registered in `apps.jobs.kinds`); this module
knows no kind.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core import lifecycle
from apps.core.models import OwnedQuerySet
from apps.web.urls import MAX_URL_LENGTH


class Status(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED})
# The stage of a job nobody works on; a kind names the stages in between.
STAGE_QUEUED = "queued"
STAGE_DONE = "done"

#: The lifecycle transition each terminal status is announced as.
TRANSITION_OF = {
    Status.SUCCEEDED: lifecycle.SUCCEEDED,
    Status.FAILED: lifecycle.FAILED,
    Status.CANCELLED: lifecycle.CANCELLED,
}


class JobQuerySet(OwnedQuerySet):
    def active(self) -> JobQuerySet:
        return self.exclude(status__in=TERMINAL)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=30)
    url = models.URLField(max_length=MAX_URL_LENGTH)
    options = models.JSONField(default=dict, blank=True)  # the kind's typed options, as JSON
    # Sent to the target's origin only; an inline one is deleted with the job.
    credential = models.ForeignKey("accounts.Credential", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="jobs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    stage = models.CharField(max_length=30, default=STAGE_QUEUED)
    pages_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(default=0)  # known so far, capped by max_pages
    error_code = models.CharField(max_length=50, blank=True)
    error = models.TextField(blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=255, blank=True)
    cancel_requested = models.BooleanField(default=False)
    worker = models.CharField(max_length=255, blank=True)  # apps.jobs.workers identity
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When its run was last handed to the broker (a queued job whose task is lost is
    # handed over again after SITELENS_QUEUED_STALE_SECONDS; apps.jobs.recovery).
    enqueued_at = models.DateTimeField(null=True, blank=True)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="retries")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What the retention sweep removed, and when: {"at", "after_days", "markdown_pages",
    # "events"}; None while nothing was (apps.analyses.retention).
    pruned = models.JSONField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("cancel_any_job", "Can cancel anyone's analysis"),
                       ("retry_any_job", "Can retry anyone's analysis")]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="unique_idempotency_key_per_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.url} ({self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL

    @property
    def duration_seconds(self) -> float | None:
        if not self.started_at:
            return None
        end = self.finished_at or timezone.now()
        return round((end - self.started_at).total_seconds(), 3)

    # -- transitions ----------------------------------------------------------------------

    def claim(self, *, worker: str) -> bool:
        """queued → running for `worker`; False if someone else has it (or it ended).

        A conditional UPDATE, so two deliveries of the same task cannot both win.
        """
        now = timezone.now()
        with transaction.atomic():
            won = (
                Job.objects.filter(pk=self.pk, status=Status.QUEUED)
                .update(
                    status=Status.RUNNING,
                    attempt=F("attempt") + 1,
                    worker=worker,
                    heartbeat_at=now,
                    started_at=models.functions.Coalesce(F("started_at"), now),
                )
                == 1
            )
            if won:
                self.refresh_from_db()
                lifecycle.announce(self, lifecycle.STARTED)
        return won

    def release(self, *, from_worker: str) -> bool:
        """running → queued, for a job whose worker died (only if it still has it)."""
        return (
            Job.objects.filter(pk=self.pk, status=Status.RUNNING, worker=from_worker)
            .update(status=Status.QUEUED, worker="", stage=STAGE_QUEUED)
            == 1
        )

    def beat_while_ours(self, **fields) -> bool:
        """Persist progress fields and the heartbeat, only while this worker still owns
        the job and no cancel was asked for: one UPDATE that is also the ownership and
        cancel check (False when either fails; see `apps.jobs.runner`)."""
        fields["heartbeat_at"] = timezone.now()
        updated = (
            Job.objects.filter(pk=self.pk, status=Status.RUNNING, worker=self.worker,
                               cancel_requested=False)
            .update(**fields)
            == 1
        )
        if updated:
            for name, value in fields.items():
                setattr(self, name, value)
        return updated

    def finish(self, status: Status, *, error_code: str = "", error: str = "",
               expected: Status = Status.RUNNING, worker: str | None = None) -> bool:
        """Move the job from `expected` (running, for `worker` when given; else this
        instance's worker) to a terminal `status`. False when it is not in that state
        any more: it ended already, or another worker took it over. Not announced here:
        `apps.jobs.runner.end_job` announces it with the final events."""
        assert status in TERMINAL
        condition = Q(pk=self.pk, status=expected)
        if expected == Status.RUNNING:
            condition &= Q(worker=self.worker if worker is None else worker)
        now = timezone.now()
        updated = (
            Job.objects.filter(condition)
            .update(status=status, stage=STAGE_DONE, error_code=error_code, error=error,
                    finished_at=now, heartbeat_at=now)
            == 1
        )
        if updated:
            self.status, self.stage, self.error_code, self.error = status, STAGE_DONE, error_code, error
            self.finished_at = now
        return updated

    def request_cancel(self) -> bool:
        """Ask the job to stop: True unless it had already ended.

        Decided by the database, not by this instance's (possibly stale) status: the
        flag is set on any job that has not ended, and a running job's worker sees it
        at its next heartbeat. A still-queued job is then cancelled by the caller
        (`finish(CANCELLED, expected=QUEUED)`), which loses harmlessly to a claim.
        """
        asked = Job.objects.filter(pk=self.pk).exclude(status__in=TERMINAL).update(
            cancel_requested=True) == 1
        if asked:
            self.cancel_requested = True
        return asked


class EventType(models.TextChoices):
    STATUS = "status"
    PROGRESS = "progress"
    PAGE = "page"
    FINDING = "finding"
    LOG = "log"
    COMPLETED = "completed"
    FAILED = "failed"


class JobEvent(models.Model):
    """One event of a job's log. Stored before it is pushed; ids order the stream."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=20, choices=EventType.choices)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "id"])]

    def as_message(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "data": self.data,
            "created_at": self.created_at.isoformat(),
        }

    def __str__(self) -> str:
        return f"{self.type} event {self.pk} of job {self.job_id}"


class PageQuerySet(OwnedQuerySet):
    owner_field = "job__owner"


class Page(models.Model):
    """A URL the crawler attempted. Unique per job, so a resumed job stores it once."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="pages")
    url = models.URLField(max_length=MAX_URL_LENGTH)
    final_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    redirect_chain = models.JSONField(default=list, blank=True)  # [{"url", "status"}, ...]
    size_bytes = models.PositiveIntegerField(default=0)
    fetch_ms = models.PositiveIntegerField(default=0)
    encoding = models.CharField(max_length=50, blank=True)
    title = models.TextField(null=True, blank=True)
    links = models.JSONField(default=list, blank=True)  # outlinks, to rebuild the frontier on resume
    follow_links = models.BooleanField(default=True)  # False for nofollow pages (resume needs it)
    error = models.CharField(max_length=50, blank=True)
    source = models.CharField(max_length=20, blank=True)
    # Findings over SITELENS_MAX_FINDINGS_PER_PAGE: counted here, not stored.
    findings_dropped = models.PositiveIntegerField(default=0)
    # What site rules compare across pages (description, h1, canonical, noindex, link
    # texts): analyzers.facts.page_facts, stored so site rules need no page bodies.
    facts = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField(auto_now_add=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "url"], name="unique_page_per_job")]

    def __str__(self) -> str:
        return self.url
