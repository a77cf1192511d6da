"""Creating analyses: the atomic plan decision, waiting for a small one, nothing
half-created on a refusal."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django_q.conf import Conf
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from apps.accounts import usage
from apps.accounts.models import Credential, MonthlyUsage
from apps.jobs.models import Job, Status
from tests.support.bursts import at_once


def _burst(user, n: int) -> list:
    """`n` analyses created at the same instant by `user`; the answers."""
    return at_once(user, n, lambda client: client.post(
        "/api/v1/analyses", {"url": "http://example.com/"}, format="json"))


@pytest.mark.django_db(transaction=True)
def test_parallel_creates_never_exceed_the_concurrency_limit(user, monkeypatch):
    # Queued for a worker that is not there, so every job stays active.
    monkeypatch.setattr(Conf, "SYNC", False)
    plan = user.get_plan()
    plan.max_concurrent_analyses = 2
    plan.save()
    statuses = [answer.status_code for answer in _burst(user, 6)]
    assert sorted(statuses) == [201, 201, 429, 429, 429, 429]
    assert Job.objects.filter(owner=user).count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_answers_201_with_the_finished_analysis_when_it_ends_in_time(api, site):
    # django-q2's sync mode runs the task as soon as the create commits, standing in
    # for the worker (tests/e2e/test_live_stack.py does this with a real qcluster).
    response = api.post("/api/v1/analyses", {"url": site.url, "wait": 20}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "succeeded" and body["pages_done"] == 10
    assert body["options"]["max_pages"] == 10


@pytest.mark.django_db
def test_it_answers_202_with_the_queued_analysis_when_the_wait_runs_out(api, site):
    response = api.post("/api/v1/analyses", {"url": site.url, "wait": 1}, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"  # nobody ran it: the web never does


@pytest.mark.django_db
def test_a_refused_create_leaves_no_inline_credential_behind(api, user):
    plan = user.get_plan()
    plan.max_concurrent_analyses = 0
    plan.save()
    response = api.post("/api/v1/analyses", {
        "url": "http://example.com/", "auth": {"kind": "cookie", "cookie": "session=abc"}},
        format="json")
    assert response.status_code == 429
    assert not Credential.objects.exists() and not Job.objects.exists()


@pytest.mark.django_db
def test_an_inline_credential_is_deleted_with_its_analysis(api, user):
    response = api.post("/api/v1/analyses", {
        "url": "http://example.com/", "auth": {"kind": "cookie", "cookie": "session=abc"}},
        format="json")
    assert response.status_code == 201
    credential = Credential.objects.get()
    assert credential.inline and response.json()["credential"] == credential.pk
    assert api.get("/api/v1/credentials").json()["results"] == []  # not a saved one
    assert api.delete(f"/api/v1/analyses/{response.json()['id']}").status_code == 204
    assert not Credential.objects.exists()


@pytest.mark.django_db
def test_it_refuses_another_users_credential_and_one_for_another_origin(api, other_user, user):
    from tests.factories import CredentialFactory

    theirs = CredentialFactory(owner=other_user, origin="http://example.com")
    mine = CredentialFactory(owner=user, origin="https://www.example.com")
    for credential_id in (theirs.pk, mine.pk):
        response = api.post("/api/v1/analyses", {"url": "http://example.com/",
                                                 "credential": credential_id}, format="json")
        assert response.status_code == 400
        assert "credential" in response.json()["error"]["details"]
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_it_queues_with_status_queued_and_one_status_event(api):
    response = api.post("/api/v1/analyses", {"url": "http://example.com/"}, format="json")
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == Status.QUEUED
    assert list(job.events.values_list("type", flat=True)) == ["status"]


@pytest.mark.django_db(transaction=True)
def test_a_burst_over_the_monthly_quota_is_refused_and_deleting_gives_nothing_back(
        user, monkeypatch):
    monkeypatch.setattr(Conf, "SYNC", False)
    plan = user.get_plan()
    plan.analyses_per_month, plan.max_concurrent_analyses = 3, 50
    plan.save()
    last_month = usage.month_start() - timedelta(days=1)
    MonthlyUsage.objects.create(user=user, month=last_month.replace(day=1), analyses=99)
    token = str(AccessToken.for_user(user))
    answers = _burst(user, 6)
    assert sorted(a.status_code for a in answers) == [201, 201, 201, 429, 429, 429]
    refused = [a for a in answers if a.status_code == 429]
    resets = usage.next_reset()
    for answer in refused:
        error = answer.json()["error"]
        assert error["code"] == "quota_exceeded" and error["details"]["limit"] == 3
        assert f"resets on {resets:%Y-%m-%d}" in error["message"]
        assert 0 < int(answer["Retry-After"]) <= 31 * 86400 + 1
    assert Job.objects.filter(owner=user).count() == 3
    Job.objects.filter(owner=user).delete()  # deleting analyses does not refund the quota
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    again = client.post("/api/v1/analyses", {"url": "http://example.com/"}, format="json")
    assert again.status_code == 429 and again.json()["error"]["code"] == "quota_exceeded"


def test_the_quota_resets_at_the_first_instant_of_next_month_utc():
    assert usage.next_reset(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == \
        datetime(2027, 1, 1, tzinfo=UTC)
    assert usage.month_start(datetime(2027, 2, 14, 12, tzinfo=UTC)) == date(2027, 2, 1)


@pytest.mark.django_db
def test_usage_shows_this_months_counts_limits_and_reset(api, client, user, other_user):
    plan = user.get_plan()
    plan.analyses_per_month = 5
    plan.save()
    for _ in range(2):
        assert api.post("/api/v1/analyses", {"url": "http://example.com/"},
                        format="json").status_code == 201
    Job.objects.filter(owner=user).update(pages_done=7)
    usage.count_analysis(other_user)  # someone else's counts are not mine
    body = api.get("/api/v1/usage").json()
    assert body["analyses"] == 2 and body["analyses_remaining"] == 3
    assert body["pages_crawled"] == 14 and body["exports"] == 0
    assert body["plan"]["analyses_per_month"] == 5
    assert body["resets_at"] == usage.next_reset().isoformat()
    assert client.get("/api/v1/usage").status_code == 401
