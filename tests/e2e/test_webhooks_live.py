"""Webhooks through a real qcluster: the receiver is down while an analysis runs, the
worker is killed with deliveries pending, then the receiver comes back and a new worker
starts. Every event arrives, verified, each under the one webhook-id it was given. The
same worker notifies the owner in the app and by e-mail."""

import os
import signal
from collections import defaultdict

import pytest
from django.test import override_settings
from django.utils import timezone
from django_q.models import Schedule

from apps.jobs.models import Status
from apps.notifications import webhooks
from apps.notifications.models import Notification, WebhookDelivery
from tests.e2e.conftest import wait_for
from tests.support.analyses import create_analysis
from tests.support.http_server import LocalHTTPServer
from tests.support.testsite import TestSite
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def site_and_receiver():
    with TestSite(latency=0.05) as site, LocalHTTPServer() as server:
        with override_settings(SITELENS_ALLOWED_TARGETS=f"{site.host_port},{server.authority}"):
            yield site, Receiver(server)


def _sweep_due_now() -> None:
    # The sweep's schedule (a migration makes it; the transactional test database was
    # flushed since), due at once.
    Schedule.objects.update_or_create(
        func="apps.notifications.webhooks.dispatch_due",
        defaults={"name": "webhook-deliveries", "schedule_type": Schedule.MINUTES,
                  "minutes": 1, "repeats": -1, "next_run": timezone.now()})


def test_deliveries_survive_a_receiver_outage_and_a_worker_restart(processes, user,
                                                                   site_and_receiver):
    site, receiver = site_and_receiver
    endpoint, receiver.secret = webhooks.endpoint_create(owner=user, url=receiver.url)
    receiver.down = True
    job = create_analysis(user, site.url, enqueue=True, max_pages=8, max_depth=3)
    worker = processes.qcluster(SITELENS_WEBHOOK_PROGRESS_SECONDS="1")

    def every_event_tried_and_waiting():
        job.refresh_from_db()
        rows = list(WebhookDelivery.objects.filter(endpoint=endpoint))
        done = job.is_terminal and any(r.event_type == "analysis.completed" for r in rows)
        return done and all(r.attempts >= 1 and r.status == "pending" for r in rows)

    wait_for(every_event_tried_and_waiting, timeout=120, what=lambda: (
        "every event attempted against the down receiver: "
        f"{list(WebhookDelivery.objects.values('event_type', 'status', 'attempts'))}\n"
        + processes.log("qcluster")))
    assert job.status == Status.SUCCEEDED, job.error
    # The worker also notified the owner in the app and by e-mail (the console backend).
    assert Notification.objects.filter(user=user, kind="analysis_completed").count() == 1
    wait_for(lambda: f"Subject: Sitelens: Analysis of {job.url} completed"
             in processes.log("qcluster"), timeout=30, what="the completion e-mail")
    os.killpg(worker.pid, signal.SIGKILL)  # the worker dies with everything pending
    worker.wait()
    pending = {row.pk: row.message_id for row in WebhookDelivery.objects.all()}
    assert len(pending) >= 3  # started, progress (at least one), completed
    assert receiver.verified == [] and len(receiver.received) >= len(pending)

    receiver.down = False
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())  # the retry time has come
    _sweep_due_now()
    processes.qcluster()

    def all_delivered():
        return not WebhookDelivery.objects.exclude(status="succeeded").exists()

    wait_for(all_delivered, timeout=120,
             what=lambda: "the sweep to deliver everything\n" + processes.log("qcluster"))
    ids_by_event = defaultdict(set)
    for message_id, payload in receiver.verified:
        ids_by_event[(payload["type"], payload["timestamp"])].add(message_id)
    # Each message arrived, verified, under the id it was first sent with; no event was
    # sent under two ids, and nothing was lost.
    assert {message_id for message_id, _ in receiver.verified} == set(pending.values())
    assert all(len(ids) == 1 for ids in ids_by_event.values())
    assert len(ids_by_event) == len(pending)
    types = {payload["type"] for _id, payload in receiver.verified}
    assert {"analysis.started", "analysis.progress", "analysis.completed"} <= types
    for row in WebhookDelivery.objects.prefetch_related("attempt_log"):
        codes = [attempt.status_code for attempt in row.attempt_log.all()]
        assert codes[-1] == 204 and set(codes[:-1]) == {503}, codes
