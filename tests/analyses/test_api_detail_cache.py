"""An ended analysis's answer is cached per version and carries an ETag; what changes
the answer changes both, and the owner check still runs on every request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Credential
from apps.analyses.api.serializers import AnalysisSerializer
from apps.analyses.models import Report
from apps.analyses.retention import prune
from apps.jobs import services
from apps.jobs.models import Job, Status
from tests.factories import CredentialFactory, FindingFactory, RuleFailureFactory

pytestmark = pytest.mark.django_db


def _ended(owner, status=Status.SUCCEEDED, **fields) -> Job:
    job = Job.objects.create(owner=owner, url="http://example.com/", options={},
                             status=status, finished_at=timezone.now(), **fields)
    FindingFactory(job=job, severity="serious")
    RuleFailureFactory(job=job)
    if status == Status.SUCCEEDED:
        Report.objects.create(job=job, scores={"seo": 90}, content={"pages": 1})
    return job


def _fresh(job: Job) -> dict:
    """The answer built from the database, bypassing every cache."""
    job = Job.objects.prefetch_related("retries").select_related("report").get(pk=job.pk)
    return AnalysisSerializer(job).data


def _get(api, job, **headers):
    return api.get(f"/api/v1/analyses/{job.pk}", **headers)


def test_it_answers_an_ended_analysis_from_its_cache_as_it_would_build_it(api, user):
    job = _ended(user)
    first = _get(api, job)
    with CaptureQueriesContext(connection) as captured:
        second = _get(api, job)
    assert first.content == second.content
    assert second.json() == _fresh(job)
    # The JWT's user, its plan (throttle), the analysis with what its retries are: no
    # counts, no rule failures, no report.
    assert len(captured) == 3


def test_it_keeps_each_json_rendering_apart(api, user):
    job = _ended(user)
    compact = _get(api, job)
    indented = _get(api, job, HTTP_ACCEPT="application/json; indent=4")
    assert compact["Content-Type"] == indented["Content-Type"] == "application/json"
    assert indented.content.startswith(b'{\n    "id"') and b"\n" not in compact.content
    assert _get(api, job).content == compact.content


def test_the_browsable_api_renders_the_same_analysis(browser, user):
    job = _ended(user)
    response = browser.get(f"/api/v1/analyses/{job.pk}", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert str(job.pk) in response.content.decode() and "ETag" in response


def test_the_answer_changes_when_the_analysis_is_retried(api, user):
    job = _ended(user, status=Status.FAILED)
    before = _get(api, job)
    retry = services.job_retry(job=job, enqueue=False)
    after = _get(api, job)
    assert after.json()["retries"] == [str(retry.pk)] == _fresh(job)["retries"]
    assert after["ETag"] != before["ETag"]


def test_the_answer_changes_when_a_retry_is_deleted(api, user):
    job = _ended(user, status=Status.FAILED)
    retry = services.job_retry(job=job, enqueue=False)
    assert _get(api, job).json()["retries"] == [str(retry.pk)]
    services.job_delete(job=retry)
    assert _get(api, job).json()["retries"] == [] == _fresh(job)["retries"]


def test_the_analysis_is_found_by_its_id_whatever_the_list_filter_says(api, user):
    # `?status=` narrows the list; on the analysis itself it is not a condition.
    job = _ended(user)
    assert api.get(f"/api/v1/analyses/{job.pk}?status=running").status_code == 200
    assert api.get("/api/v1/analyses?status=running").json()["results"] == []


def test_the_answer_changes_when_the_analysis_is_pruned(api, user):
    job = _ended(user)
    _get(api, job)
    prune(job.pk, now=timezone.now(), days=30)
    body = _get(api, job).json()
    assert body["pruned"] is not None and body == _fresh(job)


def test_the_answer_changes_when_its_credential_is_deleted(api, user):
    credential = CredentialFactory(owner=user)
    job = _ended(user, credential=credential)
    assert _get(api, job).json()["credential"] == credential.pk
    Credential.objects.filter(pk=credential.pk).delete()
    assert _get(api, job).json()["credential"] is None


def test_it_answers_304_when_if_none_match_names_the_current_etag(api, user):
    job = _ended(user)
    etag = _get(api, job)["ETag"]
    response = _get(api, job, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag
    # If-None-Match compares weakly: the tag without its W/ matches too.
    assert etag.startswith('W/"')
    assert _get(api, job, HTTP_IF_NONE_MATCH=etag[2:]).status_code == 304
    assert _get(api, job, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_a_running_analysis_is_built_for_every_request_and_has_no_etag(api, user):
    job = Job.objects.create(owner=user, url="http://example.com/", options={},
                             status=Status.RUNNING)
    FindingFactory(job=job, severity="minor")
    first = _get(api, job)
    FindingFactory(job=job, severity="minor")
    second = _get(api, job)
    assert "ETag" not in first
    assert second.json()["findings"]["minor"] == 2


def test_another_users_cached_analysis_is_404_with_or_without_its_etag(api, other_api, user):
    job = _ended(user)
    etag = _get(api, job)["ETag"]
    for headers in ({}, {"HTTP_IF_NONE_MATCH": etag}):
        response = _get(other_api, job, **headers)
        assert response.status_code == 404
        assert "ETag" not in response and "example.com" not in response.content.decode()


def test_an_id_that_is_no_uuid_is_404(api):
    response = api.get("/api/v1/analyses/" + "-" * 36)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
