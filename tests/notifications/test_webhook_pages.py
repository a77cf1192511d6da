"""The /webhooks pages in the browser (a real receiver on 127.0.0.1 verifies every
signature), and the notifications inbox's links and per-item "mark read"."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from apps.accounts.models import Plan
from apps.notifications import services, webhooks
from apps.notifications.models import Kind, Notification, WebhookDelivery, WebhookEndpoint
from tests.support.http_server import LocalHTTPServer, Reply
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.django_db

SECRET_BOX = re.compile(r'<code class="secret" id="new-secret">(whsec_[^<]+)</code>')


@pytest.fixture
def receiver(settings):
    with LocalHTTPServer() as server:
        settings.SITELENS_ALLOWED_TARGETS = server.authority
        yield Receiver(server)


@pytest.fixture
def endpoint(user, receiver) -> WebhookEndpoint:
    endpoint, receiver.secret = webhooks.endpoint_create(owner=user, url=receiver.url,
                                                         description="ci")
    return endpoint


@pytest.fixture
def delivery(browser, endpoint, django_capture_on_commit_callbacks) -> WebhookDelivery:
    """A ping the receiver got (204)."""
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/webhooks/{endpoint.pk}/ping")
    return WebhookDelivery.objects.get(endpoint=endpoint)


def _shown_secret(response) -> str:
    found = SECRET_BOX.findall(response.content.decode())
    assert len(found) == 1, "the secret is shown exactly once on the page"
    return found[0]


# -- creating -----------------------------------------------------------------------------

def test_it_creates_an_endpoint_and_shows_its_secret_once(browser, user, receiver):
    response = browser.post("/webhooks", {"url": receiver.url, "description": "ci hook"})
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get(owner=user)
    secret = _shown_secret(response)
    assert webhooks.signing_secrets(endpoint) == [secret]
    page = response.content.decode()
    assert 'data-copy="#new-secret"' in page and "webhook-signature" in page
    assert "no-store" in response["Cache-Control"]
    assert endpoint.url == receiver.url and endpoint.description == "ci hook"


def test_the_secret_never_shows_again_on_the_list_or_the_endpoint_page(browser, user,
                                                                       receiver):
    secret = _shown_secret(browser.post("/webhooks", {"url": receiver.url}))
    endpoint = WebhookEndpoint.objects.get(owner=user)
    for path in ("/webhooks", f"/webhooks/{endpoint.pk}"):
        page = browser.get(path).content.decode()
        assert receiver.url in page
        assert secret not in page and 'id="new-secret"' not in page


def test_it_lists_only_my_endpoints_with_their_state(browser, user, other_user, receiver):
    mine, _ = webhooks.endpoint_create(owner=user, url=receiver.url + "?mine")
    webhooks.endpoint_create(owner=other_user, url=receiver.url + "?theirs")
    WebhookEndpoint.objects.filter(pk=mine.pk).update(
        active=False, disabled_reason="the receiver answered 410 Gone",
        failing_since=timezone.now())
    page = browser.get("/webhooks").content.decode()
    assert "?mine" in page and "?theirs" not in page
    assert ">disabled<" in page and "the receiver answered 410 Gone" in page
    assert "all events" in page


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://169.254.169.254/latest",
                                 "http://127.0.0.1:9/hook", "http://[::1]:80/"])
def test_a_private_or_loopback_url_is_refused_inline_as_the_api_refuses_it(browser, api,
                                                                           receiver, url):
    response = browser.post("/webhooks", {"url": url})
    assert response.status_code == 400
    api_error = api.post("/api/v1/webhooks", {"url": url}, format="json").json()["error"]
    page = response.content.decode()
    assert escape(api_error["details"]["url"][0]) in page
    assert 'aria-invalid="true"' in page and escape(url) in page  # the form keeps the value
    assert not WebhookEndpoint.objects.exists()


def test_a_non_http_url_is_refused_inline(browser, receiver):
    response = browser.post("/webhooks", {"url": "ftp://example.com/hook"})
    assert response.status_code == 400
    assert "Only http and https URLs." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_unknown_event_is_refused_inline(browser, receiver):
    response = browser.post("/webhooks", {"url": receiver.url, "events": ["analysis.exploded"]})
    assert response.status_code == 400
    assert "Unknown event(s): analysis.exploded." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_overlong_event_name_is_refused_inline_in_words(browser, receiver):
    response = browser.post("/webhooks", {"url": receiver.url, "events": ["x" * 41]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ensure this field has no more than 40 characters." in page and "{" not in \
        page.split('id="new-events-error"')[1].split("</p>")[0]


def test_the_plan_limit_is_refused_with_403_and_the_apis_message(browser, user, receiver):
    plan = Plan.objects.create(name="tiny", webhook_endpoints=1)
    user.plan = plan
    user.save()
    assert browser.post("/webhooks", {"url": receiver.url}).status_code == 201
    response = browser.post("/webhooks", {"url": receiver.url + "?second"})
    assert response.status_code == 403
    assert "Your plan allows 1 webhook endpoint(s); delete one to add another." in \
        response.content.decode()
    assert WebhookEndpoint.objects.filter(owner=user).count() == 1


def test_events_checkboxes_round_trip(browser, user, receiver):
    browser.post("/webhooks", {"url": receiver.url,
                               "events": ["ping", "analysis.completed"]})
    endpoint = WebhookEndpoint.objects.get(owner=user)
    assert endpoint.events == ["analysis.completed", "ping"]
    page = browser.get(f"/webhooks/{endpoint.pk}").content.decode()
    checked = re.findall(r'<input type="checkbox" name="events" value="([^"]+)" '
                         r'id="edit-event-\d+" checked>', page)
    assert checked == ["analysis.completed", "ping"]
    assert browser.post(f"/webhooks/{endpoint.pk}", {"description": "", "active": "on",
                                                     "events": ["export.ready"]}
                        ).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["export.ready"]
    browser.post(f"/webhooks/{endpoint.pk}", {"description": "", "active": "on"})  # none ticked
    endpoint.refresh_from_db()
    assert endpoint.events == []
    assert "all events" in browser.get(f"/webhooks/{endpoint.pk}").content.decode()


def test_the_create_form_offers_every_event_type(browser):
    page = browser.get("/webhooks").content.decode()
    offered = re.findall(r'name="events" value="([^"]+)"', page)
    assert offered == list(webhooks.EVENT_TYPES)
    assert "None ticked: every event" in page


# -- editing ------------------------------------------------------------------------------

def test_editing_saves_the_description_and_disables(browser, endpoint):
    response = browser.post(f"/webhooks/{endpoint.pk}", {"description": "renamed"})
    assert response.status_code == 302 and response["Location"] == f"/webhooks/{endpoint.pk}"
    endpoint.refresh_from_db()
    assert endpoint.description == "renamed" and endpoint.active is False


def test_re_activating_clears_the_failure_state(browser, endpoint):
    since = timezone.now() - timedelta(days=1)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        active=False, disabled_reason="it failed for 5 days", failing_since=since)
    browser.post(f"/webhooks/{endpoint.pk}", {"description": "ci", "active": "on"})
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.disabled_reason == "" and endpoint.failing_since is None


def test_saving_an_active_endpoint_keeps_its_failure_clock(browser, endpoint):
    since = timezone.now() - timedelta(days=1)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=since)
    browser.post(f"/webhooks/{endpoint.pk}", {"description": "new words", "active": "on"})
    endpoint.refresh_from_db()
    assert endpoint.description == "new words" and endpoint.failing_since == since


def test_a_too_long_description_is_refused_inline(browser, endpoint):
    response = browser.post(f"/webhooks/{endpoint.pk}", {"description": "x" * 201,
                                                         "active": "on"})
    assert response.status_code == 400
    assert "Ensure this field has no more than 200 characters." in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.description == "ci"


# -- ping, deliveries log, redelivery -------------------------------------------------------

def test_a_test_ping_is_sent_signed_and_shows_in_the_log(browser, endpoint, receiver,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # sent when the POST commits
        response = browser.post(f"/webhooks/{endpoint.pk}/ping")
    assert response.status_code == 302 and response["Location"] == f"/webhooks/{endpoint.pk}"
    assert [payload["type"] for _id, payload in receiver.verified] == ["ping"]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "succeeded"
    page = browser.get(response["Location"]).content.decode()
    assert "A signed test ping was queued" in page
    row = page[page.index(f'id="delivery-{delivery.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "<code>ping</code>" in row and ">succeeded<" in row and ">204<" in row
    assert re.search(r">\d+ ms<", row)


def test_the_log_is_newest_first_and_paginated_by_25(browser, endpoint):
    for _ in range(27):
        webhooks.ping(endpoint)  # rows only: the sends wait for a commit that never comes
    ids = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-id")
               .values_list("pk", flat=True))
    first = browser.get(f"/webhooks/{endpoint.pk}").content.decode()
    shown = [int(i) for i in re.findall(r'<tr id="delivery-(\d+)"', first)]
    assert shown == ids[:25]
    second = browser.get(f"/webhooks/{endpoint.pk}?page=2").content.decode()
    assert [int(i) for i in re.findall(r'<tr id="delivery-(\d+)"', second)] == ids[25:]
    assert ">pending<" in second


def test_redeliver_sends_the_same_message_again(browser, endpoint, delivery, receiver,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver", follow=True)
    assert response.status_code == 200
    assert "The ping delivery was queued again." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.status == "succeeded"
    assert [i for i, _payload in receiver.verified] == [delivery.message_id] * 2


def test_redeliver_to_a_disabled_endpoint_is_told_as_a_message(
        browser, endpoint, delivery, receiver, django_capture_on_commit_callbacks):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver", follow=True)
    assert response.status_code == 200
    assert "This endpoint is disabled; re-activate it first." in response.content.decode()
    assert len(receiver.received) == 1


def test_redeliver_while_an_attempt_is_under_way_is_told_as_a_message(
        browser, endpoint, delivery, receiver, django_capture_on_commit_callbacks):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        leased_until=timezone.now() + timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver", follow=True)
    assert "This delivery is being sent right now" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and len(receiver.received) == 1


def test_a_failing_attempt_shows_its_status_code(browser, endpoint, receiver, monkeypatch,
                                                 django_capture_on_commit_callbacks):
    monkeypatch.setattr(webhooks, "INLINE_RETRY_SECONDS", 0)  # the retry waits for the sweep
    receiver.answers = [Reply(503, "down")]
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(f"/webhooks/{endpoint.pk}/ping")
    page = browser.get(f"/webhooks/{endpoint.pk}").content.decode()
    delivery = WebhookDelivery.objects.get()
    row = page[page.index(f'id="delivery-{delivery.pk}"'):]
    row = row[:row.index("</tr>")]
    assert ">pending<" in row and ">503<" in row
    assert timezone.localtime(delivery.next_attempt_at).strftime("%Y-%m-%d %H:%M") in row


# -- rotating, deleting ---------------------------------------------------------------------

def test_rotating_shows_the_new_secret_once(browser, endpoint, receiver):
    response = browser.post(f"/webhooks/{endpoint.pk}/rotate-secret")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new = _shown_secret(response)
    assert new != receiver.secret
    endpoint.refresh_from_db()
    assert webhooks.signing_secrets(endpoint) == [new, receiver.secret]  # both sign a day
    later = browser.get(f"/webhooks/{endpoint.pk}").content.decode()
    assert new not in later and receiver.secret not in later
    assert "Previous secret" in later


def test_delete_removes_the_endpoint(browser, endpoint, delivery):
    response = browser.post(f"/webhooks/{endpoint.pk}/delete")
    assert response.status_code == 302 and response["Location"] == "/webhooks"
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not WebhookDelivery.objects.filter(pk=delivery.pk).exists()


def test_actions_need_a_post(browser, endpoint, delivery):
    for path in (f"/webhooks/{endpoint.pk}/ping", f"/webhooks/{endpoint.pk}/rotate-secret",
                 f"/webhooks/{endpoint.pk}/delete",
                 f"/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/redeliver"):
        assert browser.get(path).status_code == 405, path
    assert WebhookDelivery.objects.count() == 1 and WebhookEndpoint.objects.exists()


def test_a_form_without_its_csrf_token_is_refused(user, endpoint):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(f"/webhooks/{endpoint.pk}/delete").status_code == 403
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


# -- other users ----------------------------------------------------------------------------

def test_another_users_endpoint_and_delivery_are_not_found_on_every_route(
        other_browser, endpoint, delivery, receiver):
    secrets_before = webhooks.signing_secrets(endpoint)
    base = f"/webhooks/{endpoint.pk}"
    redeliver = f"{base}/deliveries/{delivery.pk}/redeliver"
    assert other_browser.get(base).status_code == 404
    for path in (base, f"{base}/ping", f"{base}/rotate-secret", f"{base}/delete", redeliver):
        assert other_browser.post(path, {"description": "pwned"}).status_code == 404, path
    endpoint.refresh_from_db()
    assert endpoint.description == "ci" and webhooks.signing_secrets(endpoint) == secrets_before
    assert WebhookDelivery.objects.count() == 1 and len(receiver.received) == 1
    assert receiver.url not in other_browser.get("/webhooks").content.decode()


def test_a_delivery_is_found_only_under_its_own_endpoint(browser, user, endpoint, delivery,
                                                         receiver):
    mine_too, _ = webhooks.endpoint_create(owner=user, url=receiver.url + "?other")
    response = browser.post(f"/webhooks/{mine_too.pk}/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 404


def test_the_one_off_signer_is_not_an_endpoint_page(browser, user):
    webhooks.one_off_secret(user)
    signer = WebhookEndpoint.objects.get(owner=user, one_off=True)
    assert browser.get(f"/webhooks/{signer.pk}").status_code == 404
    assert browser.post(f"/webhooks/{signer.pk}/rotate-secret").status_code == 404
    assert "No webhook endpoints yet." in browser.get("/webhooks").content.decode()


def test_the_pages_need_a_login(client, endpoint):
    for path in ("/webhooks", f"/webhooks/{endpoint.pk}"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# -- the notifications inbox ----------------------------------------------------------------

def test_the_inbox_links_a_notification_to_its_analysis(browser, user):
    analysis = "5f0c6a3e-8a7b-4f3e-9f51-3c2d8e1b7a90"
    services.notify(user, Kind.ANALYSIS_FAILED, "Analysis of example.com failed",
                    data={"analysis": analysis})
    services.notify(user, Kind.EXPORT_READY, "Your json export is ready",
                    data={"analysis": "", "download": "/api/v1/exports/x/download"})
    page = browser.get("/notifications").content.decode()
    assert page.count(f'href="/analyses/{analysis}"') == 1
    assert page.count("See the analysis") == 1


def test_the_inbox_links_a_disabled_webhook_to_its_endpoint(browser, user, endpoint):
    services.webhook_disabled(user, endpoint_id=endpoint.pk, url=endpoint.url, reason="410")
    page = browser.get("/notifications").content.decode()
    assert f'href="/webhooks/{endpoint.pk}"' in page


def test_mark_read_marks_only_that_notification(browser, user):
    first = services.notify(user, Kind.ANALYSIS_FAILED, "first")
    second = services.notify(user, Kind.ANALYSIS_FAILED, "second")
    response = browser.post(f"/notifications/{first.pk}/read", {"page": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications?page=1"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    page = browser.get("/notifications").content.decode()
    assert f'action="/notifications/{second.pk}/read"' in page
    assert f'action="/notifications/{first.pk}/read"' not in page


def test_mark_read_of_another_users_notification_is_not_found(other_browser, user):
    theirs = services.notify(user, Kind.ANALYSIS_FAILED, "private")
    assert other_browser.post(f"/notifications/{theirs.pk}/read").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None

