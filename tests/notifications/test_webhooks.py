"""Webhooks against a real receiver on 127.0.0.1 that verifies every signature with the
standardwebhooks library, the way a user's service would."""

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone
from django_q.conf import Conf
from django_q.models import OrmQ

from apps.jobs.models import Status
from apps.jobs.runner import end_job
from apps.notifications import webhooks
from apps.notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from tests.analyses.personas.test_shop_review import analyse
from tests.factories import JobFactory
from tests.support.http_server import LocalHTTPServer, Reply
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.django_db


def test_the_signer_matches_the_standard_webhooks_test_vector():
    delivery = WebhookDelivery(message_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
                               body='{"test": 2432232314}')
    headers = webhooks.headers_for(delivery, ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
                                   datetime.fromtimestamp(1614265330, tz=UTC))
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert headers["webhook-timestamp"] == "1614265330"
    assert headers["webhook-id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek"


@pytest.fixture
def receiver(settings):
    with LocalHTTPServer() as server:
        settings.SITELENS_ALLOWED_TARGETS = server.authority
        yield Receiver(server)


@pytest.fixture
def endpoint(api, receiver):
    response = api.post("/api/v1/webhooks", {"url": receiver.url, "description": "ci"},
                        format="json")
    assert response.status_code == 201, response.content
    receiver.secret = response.json()["secret"]
    assert receiver.secret.startswith("whsec_")
    return WebhookEndpoint.objects.get(pk=response.json()["id"])


def _time_passes(seconds):
    """Instead of sleeping through a short retry: the retry is due now."""
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())


def test_a_registered_endpoint_gets_every_event_once_signed(api, shop, receiver, endpoint,
                                                            settings,
                                                            django_capture_on_commit_callbacks):
    settings.SITELENS_ALLOWED_TARGETS = f"{receiver.server.authority},{shop.authority}"
    settings.SITELENS_WEBHOOK_PROGRESS_SECONDS = 3600  # one progress event per analysis
    job = analyse(api, shop, django_capture_on_commit_callbacks)
    types = [payload["type"] for _id, payload in receiver.verified]
    assert types == ["analysis.started", "analysis.progress", "analysis.completed"]
    progress = receiver.verified[1][1]["data"]["analysis"]
    assert progress["pages_done"] == 1 and progress["id"] == str(job.pk)
    completed = receiver.verified[2][1]["data"]["analysis"]
    assert completed["id"] == str(job.pk) and completed["status"] == "succeeded"
    assert "scores" in completed and "findings" in completed
    assert len({message_id for message_id, _ in receiver.verified}) == 3
    # The secret never shows again.
    listed = api.get("/api/v1/webhooks").json()
    assert all("secret" not in item for item in listed["results"])
    assert receiver.secret not in json.dumps(listed)
    log = api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()["results"]
    assert [d["status"] for d in log] == ["succeeded"] * 3
    assert log[0]["attempt_log"][0]["status_code"] == 204


def test_a_receiver_down_then_up_gets_the_same_message_id(api, receiver, endpoint,
                                                          django_capture_on_commit_callbacks,
                                                          monkeypatch):
    monkeypatch.setattr(webhooks, "_pause", _time_passes)  # the 5 s retry, at once
    receiver.answers = [Reply(503, "down"), Reply(500, "still down"), Reply(502, "nope")]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 2  # now, then 5 s later
    assert timedelta(minutes=4) < delivery.next_attempt_at - timezone.now() \
        < timedelta(minutes=6)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())  # 5 minutes pass
    assert webhooks.dispatch_due() == 1  # the sweep: 502 again
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks.dispatch_due()  # the receiver is up
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 4
    ids = {headers["webhook-id"] for headers in receiver.received}
    assert ids == {delivery.message_id} and len(receiver.received) == 4
    assert [a.status_code for a in delivery.attempt_log.all()] == [503, 500, 502, 204]
    assert delivery.attempt_log.first().response_excerpt == "down"


def test_retry_after_is_honoured(api, receiver, endpoint, django_capture_on_commit_callbacks):
    receiver.answers = [Reply(429, "slow down", {"Retry-After": "3600"})]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    delivery = WebhookDelivery.objects.get()
    assert delivery.next_attempt_at - timezone.now() > timedelta(minutes=59)


def test_retry_after_as_an_http_date_is_honoured(api, receiver, endpoint,
                                                 django_capture_on_commit_callbacks):
    when = format_datetime(timezone.now() + timedelta(hours=2), usegmt=True)
    receiver.answers = [Reply(503, "later", {"Retry-After": when})]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    wait = WebhookDelivery.objects.get().next_attempt_at - timezone.now()
    assert timedelta(minutes=118) < wait < timedelta(minutes=121)


def test_a_retry_after_of_non_ascii_digits_is_ignored_not_a_crash(
        api, receiver, endpoint, django_capture_on_commit_callbacks):
    # "²" passes str.isdigit() but int() refuses it: the retry keeps its own (short,
    # inline) schedule and the delivery goes through.
    receiver.answers = [Reply(503, "later", {"Retry-After": "\u00b2"})]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded"
    assert [a.status_code for a in delivery.attempt_log.all()] == [503, 204]


def test_410_disables_the_endpoint_and_tells_its_owner(api, user, receiver, endpoint,
                                                       django_capture_on_commit_callbacks):
    receiver.answers = [Reply(410, "gone")]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    endpoint.refresh_from_db()
    assert endpoint.active is False and "410" in endpoint.disabled_reason
    assert WebhookDelivery.objects.get().status == "failed"
    assert Notification.objects.filter(user=user, kind="webhook_disabled").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")  # nothing is sent while disabled
    assert len(receiver.received) == 1


def test_an_endpoint_failing_for_five_days_is_disabled(api, user, receiver, endpoint,
                                                       django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=5, minutes=1))
    receiver.answers = [Reply(500)]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    endpoint.refresh_from_db()
    assert endpoint.active is False and "5 days" in endpoint.disabled_reason
    assert Notification.objects.filter(user=user, kind="webhook_disabled").exists()


def test_a_slow_receiver_times_out_and_is_retried(api, receiver, endpoint, monkeypatch,
                                                  django_capture_on_commit_callbacks):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    monkeypatch.setattr(webhooks, "_pause", _time_passes)

    def slow(handler):
        time.sleep(1.5)
        return Reply(204)

    receiver.answers = [slow, slow]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 2
    assert [a.error for a in delivery.attempt_log.all()] == ["timeout", "timeout"]


def test_blocked_addresses_are_refused_at_registration_and_at_delivery(
        api, receiver, endpoint, settings, django_capture_on_commit_callbacks):
    for url in ("http://169.254.169.254/latest", "http://10.0.0.1/hook", "ftp://example.com/x",
                "file:///etc/passwd", "http://[::1]:80/"):
        response = api.post("/api/v1/webhooks", {"url": url}, format="json")
        assert response.status_code == 400, url
        assert set(response.json()["error"]) == {"code", "message", "details", "request_id"}
    assert api.post("/api/v1/webhooks", {"url": receiver.url, "events": ["analysis.exploded"]},
                    format="json").status_code == 400
    # The address is allowed when registered, then no longer: the attempt is refused.
    settings.SITELENS_ALLOWED_TARGETS = ""
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempt_log.first().error == "blocked_address"
    assert receiver.received == []


def test_no_redirect_is_followed(api, receiver, endpoint, monkeypatch,
                                 django_capture_on_commit_callbacks):
    monkeypatch.setattr(webhooks, "_pause", _time_passes)
    receiver.answers = [Reply(307, headers={"Location": receiver.server.url("/elsewhere")})] * 2
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    assert [r.path for r in receiver.server.requests] == ["/hook", "/hook"]  # now, and 5 s on
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.last_status_code == 307


def test_rotation_signs_with_both_secrets_and_redelivery_keeps_the_id(
        api, receiver, endpoint, django_capture_on_commit_callbacks):
    old = receiver.secret
    rotated = api.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret").json()
    assert rotated["secret"] != old
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    signature = receiver.received[-1]["webhook-signature"]
    assert len(signature.split(" ")) == 2
    body_id, payload = receiver.verified[-1]  # verified with the old secret still
    receiver.secret = rotated["secret"]
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 202
    assert receiver.verified[-1][0] == body_id == delivery.message_id  # the new secret verifies


def test_other_users_endpoints_and_deliveries_are_not_found(api, other_api, endpoint,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    delivery = WebhookDelivery.objects.get()
    for call in (lambda: other_api.get(f"/api/v1/webhooks/{endpoint.pk}"),
                 lambda: other_api.post(f"/api/v1/webhooks/{endpoint.pk}/test"),
                 lambda: other_api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries"),
                 lambda: other_api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver"),
                 lambda: other_api.delete(f"/api/v1/webhooks/{endpoint.pk}")):
        assert call().status_code == 404
    assert other_api.get("/api/v1/webhooks").json()["results"] == []


def test_progress_is_throttled_per_analysis(api, shop, receiver, endpoint, settings,
                                            django_capture_on_commit_callbacks):
    settings.SITELENS_ALLOWED_TARGETS = f"{receiver.server.authority},{shop.authority}"
    settings.SITELENS_WEBHOOK_PROGRESS_SECONDS = 0  # no throttle: one per stored page
    job = analyse(api, shop, django_capture_on_commit_callbacks)
    progress = [p["data"]["analysis"]["pages_done"] for _id, p in receiver.verified
                if p["type"] == "analysis.progress"]
    assert progress == list(range(1, job.pages_done + 1)) and job.pages_done > 3


def test_a_one_off_webhook_url_gets_the_analysis_events_signed(
        api, shop, receiver, settings, django_capture_on_commit_callbacks):
    settings.SITELENS_ALLOWED_TARGETS = f"{receiver.server.authority},{shop.authority}"
    settings.SITELENS_WEBHOOK_PROGRESS_SECONDS = 3600
    answer = api.post("/api/v1/webhooks/one-off-secret")
    assert answer.status_code == 200 and answer.json()["previous_valid_until"] is None
    receiver.secret = answer.json()["secret"]
    job = analyse(api, shop, django_capture_on_commit_callbacks,
                  webhook_url=receiver.url + "?job=1")
    assert [p["type"] for _id, p in receiver.verified] == [
        "analysis.started", "analysis.progress", "analysis.completed"]
    assert {p["data"]["analysis"]["id"] for _id, p in receiver.verified} == {str(job.pk)}
    assert receiver.server.requests[-1].path == "/hook?job=1"
    # The signer is not an endpoint anyone lists, and rotating keeps the old one a day.
    assert api.get("/api/v1/webhooks").json()["results"] == []
    rotated = api.post("/api/v1/webhooks/one-off-secret").json()
    assert rotated["secret"] != receiver.secret and rotated["previous_valid_until"]


def test_a_blocked_one_off_webhook_url_refuses_the_analysis(api, shop, settings):
    settings.SITELENS_ALLOWED_TARGETS = shop.authority
    for url, code in (("http://10.1.2.3/hook", "blocked_address"),
                      ("ftp://example.com/hook", "invalid")):
        response = api.post("/api/v1/analyses", {"url": shop.url("/"), "webhook_url": url},
                            format="json")
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["code"] == code and "webhook_url" in error["details"], error
    assert not api.get("/api/v1/analyses").json()["results"]


def test_an_event_is_recorded_with_its_transition_and_survives_a_death_after_commit(
        user, receiver, endpoint, django_capture_on_commit_callbacks):
    job = JobFactory(owner=user)
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        assert job.claim(worker="host:1:1")
        assert end_job(job, Status.CANCELLED)
        # In the transition's transaction: the deliveries are rows before anything is sent.
        assert sorted(WebhookDelivery.objects.values_list("event_type", flat=True)) == \
            ["analysis.cancelled", "analysis.started"]
    assert after_commit and receiver.received == []
    # The process died right after the commit, before its on-commit sends: the sweep sends.
    assert webhooks.dispatch_due() == 2
    assert sorted(payload["type"] for _id, payload in receiver.verified) == \
        ["analysis.cancelled", "analysis.started"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


@pytest.mark.django_db(transaction=True)
def test_redelivery_while_an_attempt_is_under_way_is_a_conflict(api, receiver, endpoint,
                                                                 monkeypatch):
    monkeypatch.setattr(webhooks, "INLINE_RETRY_SECONDS", 0)  # the retry waits for the sweep
    answers = []

    def redeliver_meanwhile(handler):  # the receiver's owner clicks "redeliver" mid-attempt
        delivery = WebhookDelivery.objects.get()
        answers.append(api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver"))
        return Reply(500, "oops")

    receiver.answers = [redeliver_meanwhile]
    api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    assert len(answers) == 1 and answers[0].status_code == 409
    assert answers[0].json()["error"]["code"] == "delivery_in_progress"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.leased_until is None  # the attempt ended: redelivering is fine again
    again = api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver")
    assert again.status_code == 202
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 2
    assert len(receiver.received) == 2


def test_redelivery_to_a_disabled_endpoint_is_a_conflict(api, receiver, endpoint,
                                                         django_capture_on_commit_callbacks):
    receiver.answers = [Reply(410, "gone")]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    delivery = WebhookDelivery.objects.get()
    response = api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "endpoint_disabled"
    assert len(receiver.received) == 1


def test_a_huge_answer_is_cut_to_its_excerpt_and_the_delivery_succeeds(
        api, receiver, endpoint, django_capture_on_commit_callbacks):
    receiver.answers = [Reply(200, "é" * (6 * 1024 * 1024))]  # 12 MiB of UTF-8
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded" and delivery.last_status_code == 200
    attempt = delivery.attempt_log.get()
    assert attempt.response_excerpt == "é" * 1024 and attempt.error == ""


def test_the_sweep_queues_each_due_delivery_once_and_a_stale_send_does_nothing(
        api, receiver, endpoint, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(webhooks, "INLINE_RETRY_SECONDS", 0)  # every retry to the sweep
    receiver.answers = [Reply(500)] * 3
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())  # their retries are due
    monkeypatch.setattr(Conf, "SYNC", False)  # queued for the cluster's workers
    assert webhooks.dispatch_due() == 3
    assert webhooks.dispatch_due() == 0  # each is held by its queued send
    stale = [row.task for row in OrmQ.objects.all()]
    assert sorted(task["args"][0] for task in stale) == \
        sorted(WebhookDelivery.objects.values_list("pk", flat=True))
    # Those sends never ran (their worker died); once their lease is over the sweep
    # queues new ones, and the old ones, run late, find the rows are not theirs.
    WebhookDelivery.objects.update(leased_until=timezone.now() - timedelta(seconds=1))
    assert webhooks.dispatch_due() == 3
    fresh = [row.task for row in OrmQ.objects.all()][len(stale):]
    assert [webhooks.send(*t["args"], **t["kwargs"]) for t in stale] == ["skipped"] * 3
    assert [webhooks.send(*t["args"], **t["kwargs"]) for t in fresh] == ["succeeded"] * 3
    assert len(receiver.received) == 6  # three first attempts, then one retry each


def test_reactivating_in_admin_clears_the_failure(admin_client, api, receiver, endpoint,
                                                  django_capture_on_commit_callbacks):
    receiver.answers = [Reply(410, "gone")]
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/webhooks/{endpoint.pk}/test")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now())
    endpoint.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_reason
    page = f"/admin/notifications/webhookendpoint/{endpoint.pk}/change/"
    form = {"description": endpoint.description, "events": "[]", "active": "on",
            "disabled_reason": endpoint.disabled_reason}
    response = admin_client.post(page, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.disabled_reason == "" and endpoint.failing_since is None
    assert receiver.secret not in admin_client.get(page).content.decode()
