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
    _send_isolated(job_transition, f"job {job.pk}: {transition}", sender=type(job), job=job,
                   transition=transition)


def _send_isolated(signal: Signal, what: str, **kwargs) -> None:
    """Send `signal` to every receiver; one that raises is logged and the rest still run."""
    for receiver, result in signal.send_robust(**kwargs):
        if isinstance(result, Exception):
            logger.error("%s receiver %r failed: %r", what, receiver, result, exc_info=result)


#: Sent with `job` and `progress` (pages_done, pages_total, stage) after a progress
#: event commits.
job_progress = Signal()


def announce_progress(job, progress: dict) -> None:
    """Send `job_progress` once the current transaction commits."""
    if not job_progress.receivers:
        return
    transaction.on_commit(lambda: _send_progress(job, progress))


def _send_progress(job, progress: dict) -> None:
    _send_isolated(job_progress, f"job {job.pk}: progress", sender=type(job), job=job,
                   progress=progress)


#: Sent with `export` when an export's file is ready (notifications and webhooks
#: subscribe; the exports app never names them).
export_ready = Signal()


def announce_export_ready(export) -> None:
    """Send `export_ready` (receivers isolated, failures logged)."""
    _send_isolated(export_ready, f"export {export.pk}: export_ready", sender=type(export),
                   export=export)
