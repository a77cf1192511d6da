"""An analysis job, its event log and the pages it crawled.

State changes live here as methods that enforce the allowed transitions; the
claim of a queued job is a conditional UPDATE so that a task delivered twice
does the work once.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Status(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({Status.SUCCEEDED, Status.FAILED, Status.CANCELLED})


class Kind(models.TextChoices):
    AUDIT = "audit"
    SINGLE = "single"
    FOCUS_GROUP = "focus_group"


class Stage(models.TextChoices):
    QUEUED = "queued"
    VALIDATING = "validating"
    CRAWLING = "crawling"
    SITE_ANALYSIS = "site_analysis"
    FINISHING = "finishing"
    DONE = "done"


class JobQuerySet(models.QuerySet):
    def owned_by(self, user) -> JobQuerySet:
        return self.filter(owner=user)

    def active(self) -> JobQuerySet:
        return self.exclude(status__in=TERMINAL)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.AUDIT)
    url = models.URLField(max_length=2083)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.QUEUED)
    pages_done = models.PositiveIntegerField(default=0)
    pages_total = models.PositiveIntegerField(default=0)  # known so far, capped by max_pages
    error_code = models.CharField(max_length=50, blank=True)
    error = models.TextField(blank=True)
    attempt = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=255, blank=True)
    cancel_requested = models.BooleanField(default=False)
    worker = models.CharField(max_length=255, blank=True)  # "host:pid" of the claiming worker
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
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

    def claim(self, *, worker: str) -> bool:
        """Move queued → running for this worker; False if someone else has it.

        A conditional UPDATE, so two deliveries of the same task cannot both win.
        """
        now = timezone.now()
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
        return won

    def release(self, *, from_worker: str) -> bool:
        """Put a running job whose worker died back in the queue (running → queued)."""
        return (
            Job.objects.filter(pk=self.pk, status=Status.RUNNING, worker=from_worker)
            .update(status=Status.QUEUED, worker="", stage=Stage.QUEUED)
            == 1
        )

    def beat(self, **fields) -> None:
        """Persist progress fields and the heartbeat in one UPDATE."""
        fields["heartbeat_at"] = timezone.now()
        for name, value in fields.items():
            setattr(self, name, value)
        Job.objects.filter(pk=self.pk).update(**fields)

    def beat_while_ours(self, **fields) -> bool:
        """Like `beat`, but only while this worker still owns the job and no cancel
        was asked for: one UPDATE per page instead of a SELECT plus an UPDATE."""
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

    def finish(self, status: Status, *, error_code: str = "", error: str = "") -> bool:
        """Move a non-terminal job to a terminal status; False if it already ended."""
        assert status in TERMINAL
        now = timezone.now()
        updated = (
            Job.objects.filter(pk=self.pk)
            .exclude(status__in=TERMINAL)
            .update(status=status, stage=Stage.DONE, error_code=error_code, error=error,
                    finished_at=now, heartbeat_at=now)
            == 1
        )
        if updated:
            self.status, self.stage, self.error_code, self.error = status, Stage.DONE, error_code, error
            self.finished_at = now
        return updated

    def request_cancel(self) -> bool:
        """Ask a running job to stop, or cancel a queued one at once."""
        if self.is_terminal:
            return False
        Job.objects.filter(pk=self.pk).update(cancel_requested=True)
        self.cancel_requested = True
        if self.status == Status.QUEUED:
            return self.finish(Status.CANCELLED)
        return True

    def cancel_was_requested(self) -> bool:
        return Job.objects.filter(pk=self.pk, cancel_requested=True).exists()


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


class Page(models.Model):
    """A URL the crawler attempted. Unique per job, so a resumed job stores it once."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="pages")
    url = models.URLField(max_length=2083)
    final_url = models.URLField(max_length=2083, blank=True)
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
    fetched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "url"], name="unique_page_per_job")]

    def __str__(self) -> str:
        return self.url
