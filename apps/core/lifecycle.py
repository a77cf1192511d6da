"""The job lifecycle hook: the one place other apps learn that a job started or ended.

`apps.jobs.models.Job` announces each transition (``started``, ``succeeded``,
``failed``, ``cancelled``) through `announce`, and nothing else does. Receivers run
after the transaction that made the transition commits (never for a transition
that rolled back), each isolated from the others: a receiver that raises is logged
and cannot change the job's outcome, which is already committed. Subscribe from an
app's `ready()`::

    from apps.core.lifecycle import job_transition

    def on_transition(sender, *, job, transition, **kwargs):
        if transition == "succeeded":
            ...

    job_transition.connect(on_transition, dispatch_uid="myapp-on-transition")

Exports, notifications, webhooks and metrics subscribe here; the pipeline never
names them. Progress has its own signal, `job_progress`, sent after each committed
progress event (webhooks throttle it; it is frequent, so receivers must be cheap).
"""

from __future__ import annotations

import copy
import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

STARTED = "started"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
TRANSITIONS = (STARTED, SUCCEEDED, FAILED, CANCELLED)

#: Sent with `job` (the Job as it was when the transition committed) and `transition`.
job_transition = Signal()


def announce(job, transition: str) -> None:
    """Send `job_transition` for `job` once the current transaction commits."""
    if transition not in TRANSITIONS:
        raise ValueError(f"unknown job transition {transition!r}")
    snapshot = copy.copy(job)  # as it was at this transition, whatever happens to `job` next
    transaction.on_commit(lambda: _send(snapshot, transition))


def _send(job, transition: str) -> None:
    for receiver, result in job_transition.send_robust(sender=type(job), job=job,
                                                       transition=transition):
        if isinstance(result, Exception):
            logger.error("job %s: %s receiver %r failed: %r", job.pk, transition, receiver,
                         result, exc_info=result)


#: Sent with `job` and `progress` (pages_done, pages_total, stage) after a progress
#: event commits.
job_progress = Signal()


def announce_progress(job, progress: dict) -> None:
    """Send `job_progress` once the current transaction commits."""
    if not job_progress.receivers:
        return
    transaction.on_commit(lambda: _send_progress(job, progress))


def _send_progress(job, progress: dict) -> None:
    for receiver, result in job_progress.send_robust(sender=type(job), job=job,
                                                     progress=progress):
        if isinstance(result, Exception):
            logger.error("job %s: progress receiver %r failed: %r", job.pk, receiver, result,
                         exc_info=result)


#: Sent with `export` when an export's file is ready (notifications and webhooks
#: subscribe; the exports app never names them).
export_ready = Signal()


def announce_export_ready(export) -> None:
    """Send `export_ready` (receivers isolated, failures logged)."""
    for receiver, result in export_ready.send_robust(sender=type(export), export=export):
        if isinstance(result, Exception):
            logger.error("export %s: export_ready receiver %r failed: %r", export.pk, receiver,
                         result, exc_info=result)
