"""Running one job: claim it, hand it to its kind, and end it exactly once.

`job_run` is what the django-q2 task and `manage.py analyze` call. It claims the
job (a task delivered twice works once), builds the `RunContext` its kind works
through, and turns how `run(ctx)` ended into the terminal status:

==========================  =====================================================
``run`` returns             succeeded (unless the kind already ended it)
raises ``JobFailed``        failed, with the code and message the user reads
raises ``JobCancelled``     cancelled: what was stored is kept
raises ``JobGone``          nothing: the job was deleted, or another worker owns
                            it now (this one was wrongly thought dead) and ends it
raises anything else        failed with ``internal_error`` (logged with traceback)
==========================  =====================================================

Ending goes through `end_job`, the one function that moves a job to a terminal
status and writes the final events, whoever ends it (the worker, a cancel of a
queued job, the recovery sweep), and only while the caller still holds the state
it expects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NoReturn

from django.conf import settings
from django.db import transaction

from apps.core import lifecycle
from apps.core.context import analysis_id, bound
from apps.jobs import events, kinds
from apps.jobs.models import TRANSITION_OF, EventType, Job, JobEvent, Status
from apps.jobs.workers import current_worker

logger = logging.getLogger(__name__)


class JobFailed(Exception):
    """The job cannot succeed; `code` is stable, `message` is for the user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class JobCancelled(Exception):
    """The user asked the job to stop (seen at a heartbeat)."""


class JobGone(Exception):
    """The job was deleted, or another worker took it over."""


class RunObserver:
    """Callbacks for whoever runs a job inline: the CLI's progress bar, the benchmark's
    timers. The defaults do nothing; the pipeline calls them at fixed points."""

    def page_stored(self, job: Job) -> None:
        """After each page is committed (job.pages_done is current)."""

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Around each named step of the pipeline (e.g. "rules", "store_page")."""
        yield


class RunContext:
    """What a kind's `run` works through: the job, its heartbeat, its events."""

    def __init__(self, job: Job, *, observer: RunObserver | None = None) -> None:
        self.job = job
        self.observer = observer or RunObserver()
        self.ended = False
        self._last_beat = time.monotonic()

    # -- heartbeat, ownership, cancel ---------------------------------------------------

    def beat(self, **fields) -> None:
        """Write the heartbeat (and `fields`) if the job is still ours and not cancelled.

        Raises JobCancelled or JobGone otherwise; inside a transaction that rolls it
        back, so nothing is stored for a job that is not ours.
        """
        if not self.job.beat_while_ours(**fields):
            self._raise_why_not_ours()
        self._last_beat = time.monotonic()

    def tick(self) -> None:
        """Beat if the last beat is older than SITELENS_HEARTBEAT_SECONDS.

        Call it from anything that waits (the crawler calls it while fetches are in
        flight and between sitemap files), so a live job never looks abandoned.
        """
        if time.monotonic() - self._last_beat >= settings.SITELENS_HEARTBEAT_SECONDS:
            self.beat()

    def check(self) -> None:
        """Raise JobCancelled / JobGone now if that is the case (one SELECT)."""
        state = Job.objects.filter(pk=self.job.pk).values("status", "worker",
                                                           "cancel_requested").first()
        if state is None or state["status"] != Status.RUNNING or \
                state["worker"] != self.job.worker:
            raise JobGone()
        if state["cancel_requested"]:
            raise JobCancelled()

    def _raise_why_not_ours(self) -> NoReturn:
        self.check()
        raise JobGone()  # raced: it was ours a moment ago, it is not now

    # -- progress and events ------------------------------------------------------------

    def set_stage(self, stage: str, **fields) -> None:
        """Persist a new stage (with a heartbeat) and announce it as a status event."""
        self.beat(stage=stage, **fields)
        events.emit(self.job, EventType.STATUS, {"status": Status.RUNNING, "stage": stage})

    def emit(self, type: EventType | str, data: dict) -> JobEvent:
        return events.emit(self.job, type, data)

    def emit_many(self, batch: Iterable[tuple[EventType | str, dict]]) -> list[JobEvent]:
        return events.emit_many(self.job, batch)

    def log(self, message: str, *, level: str = "info") -> JobEvent:
        return events.log(self.job, message, level=level)

    # -- ending -----------------------------------------------------------------------

    def fail(self, code: str, message: str) -> NoReturn:
        raise JobFailed(code, message)

    def succeed(self) -> None:
        """End the job as succeeded inside the caller's transaction (so the kind's last
        writes and the status commit together). Raises JobGone if it is not ours."""
        if not end_job(self.job, Status.SUCCEEDED):
            raise JobGone()
        self.ended = True


def end_job(job: Job, status: Status, *, error_code: str = "", error: str = "",
            expected: Status = Status.RUNNING, worker: str | None = None) -> bool:
    """Move `job` to a terminal `status`, write its final events and announce it, in one
    transaction (the lifecycle's in-transaction receivers record with it).

    Only from `expected` (running for `worker`, by default the job's own): False,
    with nothing written, when the job is not in that state any more.
    """
    with transaction.atomic():
        if not job.finish(status, error_code=error_code, error=error, expected=expected,
                          worker=worker):
            return False
        events.emit_terminal(job)
        lifecycle.announce(job, TRANSITION_OF[status])
    return True


def job_run(*, job_id, observer: RunObserver | None = None) -> Job | None:
    """Run one job to its end. Safe to call twice: only the claimant works.

    Returns the job, or None when it was deleted or taken over while running.
    """
    with bound(analysis_id, str(job_id)):  # every log line meanwhile names the analysis
        return _run(job_id, observer)


def _run(job_id, observer: RunObserver | None) -> Job | None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return None
    if not job.claim(worker=current_worker()):
        logger.info("job %s not claimable (status %s); skipping", job.pk, job.status)
        return job
    if job.attempt > settings.SITELENS_MAX_ATTEMPTS:
        end_job(job, Status.FAILED, error_code="too_many_attempts",
                error=f"The analysis was interrupted {job.attempt - 1} times "
                      "(its worker stopped); giving up.")
        return job
    kind = kinds.get(job.kind)
    if kind is None:
        end_job(job, Status.FAILED, error_code="unknown_kind",
                error=f"No worker knows how to run a {job.kind!r} job.")
        return job

    ctx = RunContext(job, observer=observer)
    logger.info("job %s (%s) started, attempt %s, on %s", job.pk, job.kind, job.attempt,
                job.worker)
    try:
        ctx.emit(EventType.STATUS, {"status": Status.RUNNING, "stage": job.stage,
                                    "attempt": job.attempt})
        if job.cancel_requested:
            raise JobCancelled()  # the cancel came between the enqueue and the claim
        kind.run(ctx)
        if not ctx.ended and not end_job(job, Status.SUCCEEDED):
            raise JobGone()
    except JobCancelled:
        end_job(job, Status.CANCELLED)
    except JobFailed as exc:
        end_job(job, Status.FAILED, error_code=exc.code, error=exc.message)
    except JobGone:
        logger.info("job %s was deleted or taken over while %s ran it", job_id, job.worker)
        return None
    except Exception as exc:
        logger.exception("job %s crashed", job.pk)
        # Conditional on ownership: a worker that lost the job cannot end the new run.
        end_job(job, Status.FAILED, error_code="internal_error",
                error=f"Internal error: {type(exc).__name__}")
    job.refresh_from_db(fields=["status", "pages_done", "error_code"])
    logger.info("job %s ended %s after %s s: %s pages%s", job.pk, job.status,
                job.duration_seconds, job.pages_done,
                f", error {job.error_code}" if job.error_code else "")
    return job
