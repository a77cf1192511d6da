"""Starting and running analyses in tests through the real services and runner."""

from __future__ import annotations

from collections.abc import Callable

from apps.analyses.options import AnalysisOptions, AnalysisRequest
from apps.analyses.services import analysis_create
from apps.jobs.models import Job
from apps.jobs.runner import RunObserver, job_run
from apps.web.urls import normalize_url


def create_analysis(user, url: str, *, enqueue: bool = False, credential_id=None, auth=None,
                    **options) -> Job:
    """An audit of `url` admitted like the API admits one (not run unless enqueued)."""
    request = AnalysisRequest(url=normalize_url(url), options=AnalysisOptions(**options),
                              credential_id=credential_id, auth=auth)
    job, _ = analysis_create(user=user, request=request, enqueue=enqueue)
    return job


class OnPage(RunObserver):
    """Calls `callback(job)` after each stored page (tests cancel, kill or take over there)."""

    def __init__(self, callback: Callable[[Job], None]) -> None:
        self.callback = callback

    def page_stored(self, job: Job) -> None:
        self.callback(job)


def run(job: Job, on_page: Callable[[Job], None] | None = None) -> Job | None:
    return job_run(job_id=job.pk, observer=OnPage(on_page) if on_page else None)
