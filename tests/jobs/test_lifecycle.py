"""The lifecycle hook: every transition recorded inside its transaction and announced
once after commit; subscribers cannot change a job's outcome."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.core import lifecycle
from apps.core.lifecycle import connect_recorder, job_transition, job_transition_recorded
from apps.jobs import kinds
from apps.jobs.models import EventType, Job, JobEvent, Status
from apps.jobs.runner import job_run
from apps.jobs.services import job_cancel
from apps.notifications.models import Notification, WebhookEndpoint
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


# -- job_transition_recorded: inside the transition's own transaction ----------------------


@pytest.fixture
def recorder():
    """Connects in-transaction receivers for one test (by dispatch uid)."""
    uids = []

    def connect(receiver, uid):
        connect_recorder(job_transition_recorded, receiver, dispatch_uid=uid)
        uids.append(uid)

    yield connect
    for uid in uids:
        job_transition_recorded.disconnect(dispatch_uid=uid)


def test_recorders_run_inside_the_transaction_once_the_final_events_are_written(
        heard, recorder, quick_kind, django_capture_on_commit_callbacks):
    seen = []

    def record(sender, *, job, transition, **kwargs):
        final = JobEvent.objects.filter(job=job, type=EventType.COMPLETED).exists()
        seen.append((transition, transaction.get_connection().in_atomic_block, final))

    recorder(record, "test-record")
    job = JobFactory(kind="quick")
    with django_capture_on_commit_callbacks(execute=True):
        job_run(job_id=job.pk)
    # The end sees its completed event, written in the same transaction.
    assert seen == [("started", True, False), ("succeeded", True, True)]
    assert [t for t, _ in heard] == ["started", "succeeded"]


def test_a_recorder_that_fails_is_undone_alone_and_the_transition_commits(
        recorder, quick_kind, user, caplog, django_capture_on_commit_callbacks):
    def good(sender, *, job, transition, **kwargs):
        Notification.objects.create(user=user, kind="analysis_completed", title=transition)

    def bad(sender, *, job, transition, **kwargs):
        Notification.objects.create(user=user, kind="analysis_failed", title="half-written")
        # A database error: without its own savepoint it would abort the whole transaction
        # on PostgreSQL, and the job's end with it.
        WebhookEndpoint.objects.create(owner=user, one_off=True, secret_encrypted="x")
        WebhookEndpoint.objects.create(owner=user, one_off=True, secret_encrypted="y")

    recorder(bad, "test-bad")
    recorder(good, "test-good")
    job = JobFactory(kind="quick", owner=user)
    with django_capture_on_commit_callbacks(execute=True):
        job_run(job_id=job.pk)
    assert Job.objects.get(pk=job.pk).status == Status.SUCCEEDED
    mine = Notification.objects.filter(user=user, title__in=["started", "succeeded",
                                                             "half-written"])
    assert sorted(mine.values_list("title", flat=True)) == ["started", "succeeded"]
    assert not WebhookEndpoint.objects.filter(owner=user).exists()
    assert "receiver" in caplog.text and "IntegrityError" in caplog.text


def test_what_recorders_wrote_goes_when_the_transition_rolls_back(
        heard, recorder, user, django_capture_on_commit_callbacks):
    def record(sender, *, job, transition, **kwargs):
        Notification.objects.create(user=user, kind="analysis_completed", title=transition)

    recorder(record, "test-record")
    job = JobFactory(owner=user)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                assert job.claim(worker="host:1:1")
                assert Notification.objects.filter(user=user).count() == 1  # written...
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert not Notification.objects.filter(user=user).exists()  # ...and gone with it
    assert heard == []


@pytest.mark.django_db(transaction=True)
def test_announce_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        lifecycle.announce(Job(), lifecycle.STARTED)


@pytest.mark.django_db
def test_a_gated_recorder_opens_no_savepoint_when_its_gate_says_no(settings):
    """Progress is sent with every stored page and its webhook receiver mostly does
    nothing: its gate runs first, so those pages pay no SAVEPOINT / RELEASE."""
    settings.SITELENS_WEBHOOK_PROGRESS_SECONDS = 3600
    calls, due = [], [False]

    def receiver(sender, *, job, progress, **kwargs):
        calls.append(progress)

    connect_recorder(lifecycle.job_progress, receiver, dispatch_uid="test-gated",
                     gate=lambda sender, **kwargs: due[0])
    job = JobFactory()
    try:
        with transaction.atomic():  # the webhooks' own progress receiver: due the first time
            lifecycle.announce_progress(job, {"pages_done": 0})
        with transaction.atomic(), CaptureQueriesContext(connection) as quiet:
            lifecycle.announce_progress(job, {"pages_done": 1})
        due[0] = True
        with transaction.atomic(), CaptureQueriesContext(connection) as sent:
            lifecycle.announce_progress(job, {"pages_done": 2})
    finally:
        lifecycle.job_progress.disconnect(dispatch_uid="test-gated")
    assert calls == [{"pages_done": 2}]
    assert not any("SAVEPOINT" in q["sql"] for q in quiet.captured_queries)
    assert any("SAVEPOINT" in q["sql"] for q in sent.captured_queries)
