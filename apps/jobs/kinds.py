"""What a job does, by kind: the one extension point between the runtime and the apps.

The runtime (`apps.jobs.runner`) claims a job, builds a `RunContext` and calls its
kind's `run(ctx)`; it never imports what a kind does. An app registers its kinds
from its AppConfig.ready()::

    from apps.jobs import kinds

    kinds.register(kinds.JobKind(name="audit", run=run_audit, summary=audit_summary))

`run(ctx)` does the work, persisting and publishing through `ctx` (heartbeat,
events, stage), and returns normally on success. It raises `JobFailed` for a
failure the user should read about, lets `JobCancelled`/`JobGone` from `ctx`
propagate, and may end the job itself inside its own final transaction with
`ctx.succeed()`, so that its last writes and the terminal status commit together.
`summary(job)` adds kind-specific fields to the final `completed`/`failed` event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apps.jobs.models import Job
    from apps.jobs.runner import RunContext


def _no_summary(job: Job) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[RunContext], None]
    summary: Callable[[Job], dict[str, Any]] = _no_summary


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"job kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind


def get(name: str) -> JobKind | None:
    return _KINDS.get(name)


def registered() -> list[str]:
    return sorted(_KINDS)
