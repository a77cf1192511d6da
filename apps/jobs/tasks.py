"""django-q2 entry points: thin adapters that load by id and call a service."""

from __future__ import annotations

from apps.jobs import services


def run_analysis(job_id: str) -> None:
    services.job_run(job_id=job_id)


def recover_stale_jobs() -> int:
    return len(services.job_recover_stale())
