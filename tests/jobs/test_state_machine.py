"""The job state machine without a crawl: claim, beat, cancel, finish, release."""

import pytest

from apps.jobs.models import STAGE_DONE, Job, Status
from apps.jobs.runner import end_job
from apps.jobs.services import job_cancel
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def _fresh(job: Job) -> Job:
    return Job.objects.get(pk=job.pk)


def test_it_claims_a_queued_job_once():
    job = JobFactory()
    first, second = _fresh(job), _fresh(job)
    assert first.claim(worker="host:1:10") is True
    assert second.claim(worker="host:2:20") is False
    stored = _fresh(job)
    assert (stored.status, stored.worker, stored.attempt) == (Status.RUNNING, "host:1:10", 1)
    assert stored.started_at is not None and stored.heartbeat_at is not None


def test_it_never_claims_a_job_that_ended():
    job = JobFactory(status=Status.CANCELLED)
    assert job.claim(worker="host:1:10") is False


def test_it_beats_only_while_the_job_is_ours_and_not_cancelled():
    job = JobFactory()
    job.claim(worker="host:1:10")
    assert job.beat_while_ours(pages_done=3) is True
    assert _fresh(job).pages_done == 3
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    assert job.beat_while_ours(pages_done=4) is False
    assert _fresh(job).pages_done == 3


def test_a_worker_that_lost_its_job_cannot_beat_it():
    job = JobFactory()
    job.claim(worker="host:1:10")
    Job.objects.filter(pk=job.pk).update(worker="other:2:20")
    assert job.beat_while_ours(pages_done=1) is False


def test_a_cancel_racing_a_claim_does_not_end_the_new_run():
    job = JobFactory()
    stale = _fresh(job)  # read while queued, e.g. by the API request
    _fresh(job).claim(worker="host:1:10")  # the worker wins the race
    assert stale.status == Status.QUEUED
    cancelled = job_cancel(job=stale)
    stored = _fresh(job)
    assert stored.status == Status.RUNNING and stored.cancel_requested
    assert cancelled.status == Status.RUNNING  # reported as asked, not as done


def test_it_cancels_a_queued_job_at_once_with_its_final_events():
    job = JobFactory()
    job_cancel(job=_fresh(job))
    stored = _fresh(job)
    assert stored.status == Status.CANCELLED and stored.stage == STAGE_DONE
    assert list(stored.events.values_list("type", flat=True)) == ["status"]


def test_the_crash_handler_of_a_worker_that_was_taken_over_cannot_end_the_new_run():
    job = JobFactory()
    old = _fresh(job)
    old.claim(worker="host:1:10")
    assert old.release(from_worker="host:1:10")  # recovery gave it back to the queue
    new = _fresh(job)
    new.claim(worker="host:2:20")
    assert end_job(old, Status.FAILED, error_code="internal_error") is False
    assert _fresh(job).status == Status.RUNNING and _fresh(job).worker == "host:2:20"
    assert end_job(new, Status.SUCCEEDED) is True
    assert _fresh(job).status == Status.SUCCEEDED


def test_it_releases_only_for_the_worker_that_holds_the_job():
    job = JobFactory()
    job.claim(worker="host:1:10")
    assert job.release(from_worker="someone:9:9") is False
    assert job.release(from_worker="host:1:10") is True
    assert _fresh(job).status == Status.QUEUED and _fresh(job).worker == ""


def test_it_ends_a_job_once():
    job = JobFactory()
    job.claim(worker="host:1:10")
    assert end_job(job, Status.SUCCEEDED) is True
    assert end_job(job, Status.FAILED, error_code="x") is False
    assert _fresh(job).status == Status.SUCCEEDED
    assert list(_fresh(job).events.values_list("type", flat=True)) == ["status", "completed"]


def test_it_refuses_to_cancel_a_finished_job():
    from apps.core.errors import Conflict

    job = JobFactory(status=Status.SUCCEEDED)
    with pytest.raises(Conflict):
        job_cancel(job=job)
