"""django-q2 entry points: thin adapters that load by id and call a service."""

from __future__ import annotations

from apps.jobs import recovery, runner


def run_job(job_id: str) -> None:
    runner.job_run(job_id=job_id)


# Tasks queued by an earlier version carry this name; they run the same way.
run_analysis = run_job


def recover_stale_jobs() -> int:
    return len(recovery.job_recover_stale())
