"""The lifecycle hook: every transition announced once, after commit; subscribers
cannot change a job's outcome."""

import pytest
from django.db import transaction

from apps.core.lifecycle import job_transition
from apps.jobs import kinds
from apps.jobs.models import Job, Status
from apps.jobs.runner import job_run
from apps.jobs.services import job_cancel
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    calls = []

    def receiver(sender, *, job, transition, **kwargs):
        calls.append((transition, job.status))  # the job as it was at that transition

    job_transition.connect(receiver, dispatch_uid="test-heard")
    yield calls
    job_transition.disconnect(dispatch_uid="test-heard")


@pytest.fixture
def quick_kind():
    kinds.register(kinds.JobKind(name="quick", run=lambda ctx: None))
    yield
    kinds._KINDS.pop("quick")


def test_it_announces_started_then_succeeded_after_each_commit(heard, quick_kind,
                                                               django_capture_on_commit_callbacks):
    job = JobFactory(kind="quick")
    with django_capture_on_commit_callbacks(execute=True):
        job_run(job_id=job.pk)
    assert heard == [("started", Status.RUNNING), ("succeeded", Status.SUCCEEDED)]


def test_it_announces_a_cancel_of_a_queued_job(heard, django_capture_on_commit_callbacks):
    job = JobFactory()
    with django_capture_on_commit_callbacks(execute=True):
        job_cancel(job=job)
    assert heard == [("cancelled", Status.CANCELLED)]


def test_it_announces_a_failure(heard, django_capture_on_commit_callbacks):
    job = JobFactory(kind="no-such-kind")
    with django_capture_on_commit_callbacks(execute=True):
        job_run(job_id=job.pk)
    assert [t for t, _ in heard] == ["started", "failed"]


def test_it_announces_nothing_for_a_transition_that_rolled_back(heard,
                                                                django_capture_on_commit_callbacks):
    job = JobFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                job.claim(worker="host:1:1")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert heard == []
    assert Job.objects.get(pk=job.pk).status == Status.QUEUED


def test_a_subscriber_that_raises_cannot_change_the_outcome(heard, quick_kind,
                                                             django_capture_on_commit_callbacks):
    def broken(sender, **kwargs):
        raise RuntimeError("subscriber bug")

    job_transition.connect(broken, dispatch_uid="test-broken")
    try:
        job = JobFactory(kind="quick")
        with django_capture_on_commit_callbacks(execute=True):
            result = job_run(job_id=job.pk)
    finally:
        job_transition.disconnect(dispatch_uid="test-broken")
    assert result.status == Status.SUCCEEDED
    assert Job.objects.get(pk=job.pk).status == Status.SUCCEEDED
    assert [t for t, _ in heard] == ["started", "succeeded"]  # the others still heard it
