"""The analyses API: creation, validation, ownership, cancel, delete, listings."""

import uuid

import pytest

from apps.jobs.models import Job, JobEvent, Page, Status
from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def _job(owner, **fields) -> Job:
    return Job.objects.create(owner=owner, url="http://example.com/", options={}, **fields)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "url"),
        ({"url": "example.com"}, "url"),
        ({"url": "ftp://example.com/"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http://user@example.com/"}, "url"),
        ({"url": "http://example.com/" + "a" * 2100}, "url"),
        ({"url": 12345}, "url"),
        ({"url": "http://example.com/", "max_pages": -1}, "max_pages"),
        ({"url": "http://example.com/", "max_pages": 10**6}, "max_pages"),
        ({"url": "http://example.com/", "max_pages": "many"}, "max_pages"),
        ({"url": "http://example.com/", "max_depth": [1]}, "max_depth"),
        ({"url": "http://example.com/", "include": ["("]}, "include"),
        ({"url": "http://example.com/", "surprise": 1}, "surprise"),
    ],
)
def test_it_refuses_bad_input_without_creating_anything(api, payload, field):
    response = api.post("/api/v1/analyses", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in _error(response)["details"]
    assert Job.objects.count() == 0


def test_it_refuses_a_json_array_body(api):
    response = api.post("/api/v1/analyses", [1, 2], format="json")
    assert response.status_code == 400
    _error(response)


@pytest.mark.parametrize(
    "url, code",
    [
        ("http://127.0.0.1/", "blocked_address"),
        ("http://2130706433/", "blocked_address"),
        ("http://[::ffff:127.0.0.1]/", "blocked_address"),
        ("http://169.254.169.254/latest/meta-data/", "blocked_address"),
        ("http://10.0.0.1/", "blocked_address"),
        ("http://does-not-exist.invalid/", "dns"),
    ],
)
def test_it_refuses_targets_it_must_not_fetch(api, url, code):
    response = api.post("/api/v1/analyses", {"url": url}, format="json")
    assert response.status_code == 400
    assert _error(response)["code"] == code
    assert Job.objects.count() == 0


def test_it_refuses_max_pages_above_the_plan(api, user):
    plan = user.get_plan()
    plan.max_pages_per_analysis = 10
    plan.save()
    response = api.post("/api/v1/analyses", {"url": "http://example.com/", "max_pages": 11},
                        format="json")
    assert response.status_code == 400
    assert "max_pages" in _error(response)["details"]


def test_it_refuses_more_concurrent_analyses_than_the_plan_allows(api, user):
    plan = user.get_plan()
    plan.max_concurrent_analyses = 1
    plan.save()
    _job(user, status=Status.RUNNING)
    response = api.post("/api/v1/analyses", {"url": "http://example.com/"}, format="json")
    assert response.status_code == 429
    assert _error(response)["code"] == "concurrency_limit"
    assert "at once (1)" in _error(response)["message"]


def test_it_lists_only_my_analyses_with_a_status_filter(api, user, other_user):
    mine = _job(user, status=Status.SUCCEEDED)
    _job(user, status=Status.FAILED)
    _job(other_user, status=Status.SUCCEEDED)
    body = api.get("/api/v1/analyses?status=succeeded").json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == str(mine.pk)


def test_it_refuses_an_unknown_status_filter(api):
    response = api.get("/api/v1/analyses?status=sleeping")
    assert response.status_code == 400
    _error(response)


def test_it_shows_finding_counts_by_severity(api, user):
    job = _job(user, status=Status.SUCCEEDED)
    for severity in ["critical", "serious", "serious"]:
        FindingFactory(job=job, severity=severity)
    FindingFactory(job=job, severity="minor", outcome="needs_review")
    body = api.get(f"/api/v1/analyses/{job.pk}").json()
    assert body["findings"] == {"critical": 1, "serious": 2, "moderate": 0, "minor": 0,
                                "needs_review": 1}


def test_it_answers_404_for_an_unknown_id(api):
    response = api.get(f"/api/v1/analyses/{uuid.uuid4()}")
    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


@pytest.mark.parametrize(
    "method, suffix",
    [("get", ""), ("delete", ""), ("post", "/cancel"), ("get", "/pages"), ("get", "/findings"),
     ("get", "/events")],
)
def test_it_answers_404_for_another_users_analysis(other_api, user, method, suffix):
    job = _job(user, status=Status.RUNNING)
    Page.objects.create(job=job, url="http://example.com/", status_code=200)
    response = getattr(other_api, method)(f"/api/v1/analyses/{job.pk}{suffix}")
    assert response.status_code == 404
    assert "example.com" not in response.content.decode()
    job.refresh_from_db()
    assert job.status == Status.RUNNING and not job.cancel_requested


def test_it_cancels_a_queued_analysis_at_once(api, user):
    job = _job(user)
    response = api.post(f"/api/v1/analyses/{job.pk}/cancel")
    assert response.status_code == 202
    assert response.json()["status"] == "cancelled"


def test_it_refuses_to_cancel_a_finished_analysis_with_409(api, user):
    job = _job(user, status=Status.SUCCEEDED)
    response = api.post(f"/api/v1/analyses/{job.pk}/cancel")
    assert response.status_code == 409
    assert _error(response)["code"] == "already_finished"


def test_it_deletes_an_analysis_and_what_it_produced(api, user):
    job = _job(user, status=Status.SUCCEEDED)
    Page.objects.create(job=job, url="http://example.com/", status_code=200)
    assert api.delete(f"/api/v1/analyses/{job.pk}").status_code == 204
    assert not Job.objects.exists() and not Page.objects.exists()


def test_it_filters_findings_by_rule_severity_and_page(api, user):
    job = _job(user, status=Status.SUCCEEDED)
    home = Page.objects.create(job=job, url="http://example.com/", status_code=200)
    about = Page.objects.create(job=job, url="http://example.com/about", status_code=200)
    FindingFactory(job=job, page=home, page_url=home.url, rule_id="image-alt")
    FindingFactory(job=job, page=about, page_url=about.url, rule_id="image-alt")
    FindingFactory(job=job, page=about, page_url=about.url, rule_id="meta-description",
                   categories=["seo"], severity="moderate")
    FindingFactory(job=job, page=about, page_url=about.url, rule_id="heading-order",
                   categories=["accessibility"], severity="moderate", outcome="needs_review")
    url = f"/api/v1/analyses/{job.pk}/findings"
    assert api.get(f"{url}?rule=image-alt").json()["count"] == 2
    assert api.get(f"{url}?severity=moderate").json()["count"] == 2
    assert api.get(f"{url}?page_id={about.pk}").json()["count"] == 3
    assert api.get(f"{url}?page_url={home.url}").json()["count"] == 1
    assert api.get(f"{url}?outcome=needs_review").json()["count"] == 1


def test_it_counts_a_rule_in_every_category_it_belongs_to(api, user):
    job = _job(user, status=Status.SUCCEEDED)
    FindingFactory(job=job, rule_id="image-alt")  # accessibility and, as in Lighthouse, SEO
    FindingFactory(job=job, rule_id="meta-description", categories=["seo"])
    FindingFactory(job=job, rule_id="heading-order", categories=["accessibility"])
    url = f"/api/v1/analyses/{job.pk}/findings"
    seo = {f["rule_id"] for f in api.get(f"{url}?category=seo").json()["results"]}
    accessibility = {f["rule_id"] for f in api.get(f"{url}?category=accessibility").json()["results"]}
    assert seo == {"image-alt", "meta-description"}
    assert accessibility == {"image-alt", "heading-order"}
    assert api.get(f"{url}?category=nonsense").status_code == 400


def test_it_returns_events_after_an_id(api, user):
    job = _job(user)
    first, second, third = (JobEvent.objects.create(job=job, type="log", data={"n": n}) for n in range(3))
    body = api.get(f"/api/v1/analyses/{job.pk}/events?after={first.id}").json()
    assert [e["id"] for e in body["results"]] == [second.id, third.id]
    assert body["next_after"] == third.id


def test_it_refuses_a_non_numeric_after(api, user):
    job = _job(user)
    assert api.get(f"/api/v1/analyses/{job.pk}/events?after=abc").status_code == 400


def test_it_returns_the_same_analysis_for_a_repeated_idempotency_key(api, site):
    payload = {"url": site.url, "max_pages": 3}
    first = api.post("/api/v1/analyses", payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = api.post("/api/v1/analyses", payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Job.objects.count() == 1
