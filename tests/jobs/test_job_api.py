"""The job-level endpoints: status, retry, logs, the event stream's refusals."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async as sync_to_async

from apps.jobs.models import Job, Status
from tests.factories import EventFactory, JobFactory

pytestmark = pytest.mark.django_db


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def test_it_answers_a_cheap_status(api, user):
    job = JobFactory(owner=user, status=Status.RUNNING, stage="crawling", pages_done=3,
                     pages_total=9)
    body = api.get(f"/api/v1/analyses/{job.pk}/status").json()
    assert body == {"id": str(job.pk), "status": "running", "stage": "crawling", "pages_done": 3,
                    "pages_total": 9, "attempt": 0, "cancel_requested": False,
                    "finished_at": None}


@pytest.mark.parametrize("state", [Status.FAILED, Status.CANCELLED])
def test_it_retries_a_failed_or_cancelled_analysis_linked_both_ways(api, user, state):
    job = JobFactory(owner=user, status=state, options={"max_pages": 7})
    response = api.post(f"/api/v1/analyses/{job.pk}/retry")
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["id"] != str(job.pk) and new["status"] == "queued"
    assert new["retry_of"] == str(job.pk) and new["options"] == {"max_pages": 7}
    assert api.get(f"/api/v1/analyses/{job.pk}").json()["retries"] == [new["id"]]


@pytest.mark.parametrize("state", [Status.QUEUED, Status.RUNNING, Status.SUCCEEDED])
def test_it_refuses_to_retry_an_analysis_that_is_running_or_succeeded(api, user, state):
    job = JobFactory(owner=user, status=state)
    response = api.post(f"/api/v1/analyses/{job.pk}/retry")
    assert response.status_code == 409
    assert _error(response)["code"] == "not_retryable"
    assert Job.objects.count() == 1


def test_a_retry_goes_through_the_plan_like_a_create(api, user):
    plan = user.get_plan()
    plan.max_concurrent_analyses = 1
    plan.save()
    JobFactory(owner=user, status=Status.RUNNING)
    failed = JobFactory(owner=user, status=Status.FAILED)
    response = api.post(f"/api/v1/analyses/{failed.pk}/retry")
    assert response.status_code == 429 and _error(response)["code"] == "concurrency_limit"


def test_it_lists_the_log_as_json_lines(api, user):
    job = JobFactory(owner=user)
    EventFactory(job=job, type="status", data={"status": "running", "stage": "crawling",
                                               "attempt": 1})
    EventFactory(job=job, type="page", data={"url": "http://example.com/"})
    EventFactory(job=job, type="log", data={"message": "robots.txt: allow all", "level": "info"})
    EventFactory(job=job, type="log", data={"message": "Rule x failed", "level": "warning"})
    last = EventFactory(job=job, type="failed", data={"error_code": "connection",
                                                      "error": "No answer."})
    body = api.get(f"/api/v1/analyses/{job.pk}/logs").json()
    assert [(line["level"], line["message"]) for line in body["results"]] == [
        ("info", "Status: running (crawling, attempt 1)"),
        ("info", "robots.txt: allow all"),
        ("warning", "Rule x failed"),
        ("error", "Failed (connection): No answer."),
    ]
    assert body["next_after"] == last.id


def test_it_gives_the_log_as_plain_text(api, user):
    job = JobFactory(owner=user)
    EventFactory(job=job, type="log", data={"message": "Sitemap: 12 URLs found.", "level": "info"})
    response = api.get(f"/api/v1/analyses/{job.pk}/logs?format=text")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    (line,) = response.content.decode().splitlines()
    assert line.endswith("INFO    Sitemap: 12 URLs found.") and line[:4].isdigit()


def test_the_text_log_of_another_users_job_is_a_json_404(other_api, user):
    job = JobFactory(owner=user)
    response = other_api.get(f"/api/v1/analyses/{job.pk}/logs?format=text")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


async def _stream(path: str, headers=()) -> tuple[int, dict, dict]:
    """GET through the real ASGI application (the stream is not a Django view)."""
    from channels.testing import HttpCommunicator

    from config.asgi import application

    response = await HttpCommunicator(application, "GET", path,
                                      headers=list(headers)).get_response(timeout=5)
    headers = {k.decode(): v.decode() for k, v in response["headers"]}
    return response["status"], headers, json.loads(response["body"] or b"{}")


def _bearer(user) -> list:
    from rest_framework_simplejwt.tokens import AccessToken

    return [(b"authorization", f"Bearer {AccessToken.for_user(user)}".encode())]


@pytest.mark.django_db(transaction=True)
async def test_the_event_stream_refuses_strangers_in_the_error_shape(user, other_user):
    job = await sync_to_async(JobFactory)(owner=user)
    url = f"/api/v1/analyses/{job.pk}/events/stream"
    status, headers, body = await _stream(url)
    assert status == 401 and headers["content-type"] == "application/json"
    assert body["error"]["code"] == "not_authenticated"
    status, _, body = await _stream(url, _bearer(other_user))
    assert status == 404 and body["error"]["code"] == "not_found"
    status, _, _ = await _stream(f"/api/v1/analyses/{uuid.uuid4()}/events/stream",
                                 _bearer(user))
    assert status == 404
    status, _, _ = await _stream("/api/v1/analyses/not-a-uuid/events/stream", _bearer(user))
    assert status == 404


@pytest.mark.django_db(transaction=True)
async def test_the_event_stream_refuses_a_malformed_last_event_id(user):
    job = await sync_to_async(JobFactory)(owner=user)
    status, _, body = await _stream(f"/api/v1/analyses/{job.pk}/events/stream",
                                    [*_bearer(user), (b"last-event-id", b"x1")])
    assert status == 400 and "after" in body["error"]["details"]


@pytest.mark.django_db(transaction=True)
async def test_the_event_stream_replays_a_finished_job_and_ends(user):
    from apps.jobs import events
    from apps.jobs.models import EventType

    job = await sync_to_async(JobFactory)(owner=user)
    first = await sync_to_async(events.emit)(job, EventType.LOG, {"message": "one"})
    await sync_to_async(events.emit_many)(job, [(EventType.STATUS, {"status": "succeeded"}),
                                                (EventType.COMPLETED, {"status": "succeeded"})])
    from channels.testing import HttpCommunicator

    from config.asgi import application

    response = await HttpCommunicator(
        application, "GET", f"/api/v1/analyses/{job.pk}/events/stream?after={first.id}",
        headers=_bearer(user)).get_response(timeout=5)
    assert response["status"] == 200
    text = response["body"].decode()
    assert text.startswith("retry: 3000\n\n")
    assert [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("event:")] \
        == ["status", "completed"]
    assert f"id: {first.id}\n" not in text
