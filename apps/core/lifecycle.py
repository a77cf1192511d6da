"""The job lifecycle hook: the one place other apps learn that a job started or ended.

A transition (``started``, ``succeeded``, ``failed``, ``cancelled``) is announced
through `announce`, and nothing else does, from inside the transaction that makes
it (`Job.claim` for a start, `apps.jobs.runner.end_job` for an end, after the job's
final events are written). It is sent twice:

* `job_transition_recorded`, at once, inside that transaction: for records that must
  commit with the transition or not at all (in-app notifications and webhook
  deliveries, so that a process dying just after the commit cannot lose an event).
  Connect with `connect_recorder`: each receiver runs in a savepoint of its own, so
  one that raises is undone alone, logged, and the transition still commits.
* `job_transition`, after that transaction commits (never for one that rolled back),
  for work that runs outside it (building the exports a job asked for). Receivers are
  isolated from each other: one that raises is logged and cannot change the outcome,
  which is already committed.

Subscribe from an app's `ready()`::

    from apps.core import lifecycle

    def on_transition(sender, *, job, transition, **kwargs):
        if transition == "succeeded":
            ...

    lifecycle.job_transition.connect(on_transition, dispatch_uid="myapp-on-transition")

Exports, notifications and webhooks subscribe here; the pipeline never names them.
Progress has its own signal, `job_progress`, sent with each progress event as it is
written (webhooks throttle it; it is frequent, so receivers must be cheap), and
`export_ready` is sent inside the transaction that marks an export ready; connect to
both with `connect_recorder`.
"""

from __future__ import annotations

import copy
import functools
import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

STARTED = "started"
SUCCEEDED = "succeeded"
FAILED = "failed"
CANCELLED = "cancelled"
TRANSITIONS = (STARTED, SUCCEEDED, FAILED, CANCELLED)

#: Sent with `job` and `transition` inside the transaction that makes the transition
#: (connect with `connect_recorder`).
job_transition_recorded = Signal()

#: Sent with `job` (the Job as it was at the transition) and `transition` after the
#: transaction that made it commits.
job_transition = Signal()


def announce(job, transition: str) -> None:
    """Send `job_transition_recorded` now and `job_transition` once the current
    transaction commits. Called inside the transaction that makes the transition."""
    if transition not in TRANSITIONS:
        raise ValueError(f"unknown job transition {transition!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("announce() belongs inside the transaction making the transition")
    snapshot = copy.copy(job)  # as it was at this transition, whatever happens to `job` next
    what = f"job {job.pk}: {transition}"
    _send_isolated(job_transition_recorded, what, sender=type(job), job=snapshot,
                   transition=transition)
    transaction.on_commit(lambda: _send_isolated(job_transition, what, sender=type(job),
                                                 job=snapshot, transition=transition))


def connect_recorder(signal: Signal, receiver, *, dispatch_uid: str, gate=None) -> None:
    """Connect `receiver` to a signal sent inside the sender's transaction
    (`job_transition_recorded`, `job_progress`, `export_ready`), in a savepoint of its own: if it
    raises, what it wrote is rolled back, the error is logged, and the sender's
    transaction goes on.

    `gate(sender, **kwargs)`, when given, is asked first and the receiver runs only if
    it returns true: a receiver of a frequent signal that mostly does nothing (progress,
    sent with every page) then costs no SAVEPOINT / RELEASE round trips."""

    @functools.wraps(receiver)
    def in_savepoint(sender, **kwargs):
        if gate is not None and not gate(sender, **kwargs):
            return None
        with transaction.atomic():
            return receiver(sender, **kwargs)

    signal.connect(in_savepoint, dispatch_uid=dispatch_uid, weak=False)


def _send_isolated(signal: Signal, what: str, **kwargs) -> None:
    """Send `signal` to every receiver; one that raises is logged and the rest still run."""
    for receiver, result in signal.send_robust(**kwargs):
        if isinstance(result, Exception):
            logger.error("%s receiver %r failed: %r", what, receiver, result, exc_info=result)


#: Sent with `job` and `progress` (pages_done, pages_total, stage) as a progress event
#: is written, in its transaction (connect with `connect_recorder`).
job_progress = Signal()


def announce_progress(job, progress: dict) -> None:
    """Send `job_progress` (receivers isolated, failures logged)."""
    if job_progress.receivers:
        _send_isolated(job_progress, f"job {job.pk}: progress", sender=type(job), job=job,
                       progress=progress)


#: Sent with `export` inside the transaction that marks an export ready (connect with
#: `connect_recorder`; notifications and webhooks subscribe, the exports app never
#: names them).
export_ready = Signal()


def announce_export_ready(export) -> None:
    """Send `export_ready`; called inside the transaction that marks `export` ready."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("announce_export_ready() belongs inside the transaction "
                           "marking the export ready")
    _send_isolated(export_ready, f"export {export.pk}: export_ready", sender=type(export),
                   export=export)
