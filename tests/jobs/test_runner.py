"""The runner with throwaway kinds (no crawl): how `run(ctx)` ending maps to a status."""

import pytest

from apps.jobs import kinds
from apps.jobs.models import Job, Status
from apps.jobs.runner import JobGone, job_run
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kind():
    """Register a test kind whose run() the test sets; unregistered afterwards."""
    behaviour = {}

    def run(ctx):
        behaviour["run"](ctx)

    kinds.register(kinds.JobKind(name="test-kind", run=run,
                                 summary=lambda job: {"extra": "from the kind"}))
    yield behaviour
    kinds._KINDS.pop("test-kind")


def _job(**fields) -> Job:
    return JobFactory(kind="test-kind", **fields)


def test_it_succeeds_when_run_returns_and_adds_the_kinds_summary(kind):
    kind["run"] = lambda ctx: ctx.log("working")
    job = job_run(job_id=_job().pk)
    assert job.status == Status.SUCCEEDED
    completed = job.events.get(type="completed")
    assert completed.data["extra"] == "from the kind" and completed.data["status"] == "succeeded"


def test_it_fails_with_the_code_the_kind_gives(kind):
    kind["run"] = lambda ctx: ctx.fail("site_gone", "The site went away.")
    job = job_run(job_id=_job().pk)
    assert (job.status, job.error_code, job.error) == (Status.FAILED, "site_gone",
                                                        "The site went away.")
    assert job.events.get(type="failed").data["error_code"] == "site_gone"


def test_it_fails_with_internal_error_when_the_kind_crashes(kind):
    def crash(ctx):
        raise ZeroDivisionError("oops")

    kind["run"] = crash
    job = job_run(job_id=_job().pk)
    assert (job.status, job.error_code) == (Status.FAILED, "internal_error")
    assert "ZeroDivisionError" in job.error and "oops" not in job.error


def test_it_cancels_when_a_heartbeat_sees_the_cancel(kind):
    def run(ctx):
        Job.objects.filter(pk=ctx.job.pk).update(cancel_requested=True)
        ctx.beat(pages_done=1)

    kind["run"] = run
    job = job_run(job_id=_job().pk)
    assert job.status == Status.CANCELLED


def test_it_cancels_without_running_when_the_cancel_came_before_the_claim(kind):
    ran = []
    kind["run"] = ran.append
    job = job_run(job_id=_job(cancel_requested=True).pk)
    assert job.status == Status.CANCELLED and ran == []


def test_it_stops_quietly_when_the_job_was_taken_over(kind):
    def run(ctx):
        Job.objects.filter(pk=ctx.job.pk).update(worker="other-host:1:1")
        ctx.beat()

    kind["run"] = run
    job = _job()
    assert job_run(job_id=job.pk) is None
    stored = Job.objects.get(pk=job.pk)
    assert stored.status == Status.RUNNING and stored.worker == "other-host:1:1"


def test_a_kind_may_end_the_job_inside_its_own_transaction(kind):
    from django.db import transaction

    def run(ctx):
        with transaction.atomic():
            ctx.log("last write")
            ctx.succeed()

    kind["run"] = run
    job = job_run(job_id=_job().pk)
    assert job.status == Status.SUCCEEDED
    assert job.events.filter(type="completed").count() == 1


def test_it_fails_a_job_of_an_unknown_kind():
    job = job_run(job_id=JobFactory(kind="no-such-kind").pk)
    assert (job.status, job.error_code) == (Status.FAILED, "unknown_kind")


def test_it_ticks_only_when_a_beat_is_due(kind, settings):
    settings.SITELENS_HEARTBEAT_SECONDS = 3600
    seen = {}

    def run(ctx):
        Job.objects.filter(pk=ctx.job.pk).update(heartbeat_at=None)
        ctx.tick()  # not due: nothing written
        seen["after_tick"] = Job.objects.get(pk=ctx.job.pk).heartbeat_at
        ctx._last_beat -= 7200
        ctx.tick()  # due
        seen["after_due_tick"] = Job.objects.get(pk=ctx.job.pk).heartbeat_at

    kind["run"] = run
    job_run(job_id=_job().pk)
    assert seen["after_tick"] is None and seen["after_due_tick"] is not None


def test_a_tick_raises_when_the_job_is_gone(kind, settings):
    settings.SITELENS_HEARTBEAT_SECONDS = 0
    raised = []

    def run(ctx):
        Job.objects.filter(pk=ctx.job.pk).delete()
        try:
            ctx.tick()
        except JobGone:
            raised.append(True)
            raise

    kind["run"] = run
    job = _job()
    assert job_run(job_id=job.pk) is None and raised == [True]
