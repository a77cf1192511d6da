"""/metrics: who may read it, the per-process HTTP metrics, and the database-backed ones
every process adds to (a real analysis run by the worker, read by a Prometheus parser).
That a separate qcluster's counts reach a daphne's /metrics is checked end to end
(tests/e2e/test_live_stack.py)."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from apps.analyses.models import Finding
from tests.analyses.personas.test_shop_review import analyse

pytestmark = pytest.mark.django_db


def samples(text: str) -> dict:
    """{(sample name, frozenset(labels)): value} as Prometheus would read them."""
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return samples(response.content.decode())


def test_loopback_reads_metrics_and_others_do_not(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/api/v1/system/metrics").status_code == 200
    outside = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "permission_denied"


def test_with_a_token_only_its_bearer_reads_them(client, settings):
    settings.METRICS_TOKEN = "scrape-s3cret"
    assert client.get("/metrics").status_code == 401  # loopback is not enough any more
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                      HTTP_AUTHORIZATION="Bearer scrape-s3cret").status_code == 200


def _me_requests(found: dict) -> dict:
    """{status: count} of GET /api/v1/auth/me in a scrape (this process's since it began)."""
    return {dict(labels)["status"]: value for (name, labels), value in found.items()
            if name == "sitelens_http_requests_total" and "auth/me" in dict(labels)["route"]
            and dict(labels)["method"] == "GET"}


def test_requests_are_counted_and_timed_by_route_template(client, api, anon_api, user):
    before = _me_requests(scrape(client))
    for _ in range(3):
        api.get("/api/v1/auth/me")
    anon_api.get("/api/v1/auth/me")
    api.get(f"/api/v1/analyses/{'0' * 8}-0000-0000-0000-{'0' * 12}")
    found = scrape(client)
    after = _me_requests(found)
    assert after.get("200", 0) - before.get("200", 0) == 3
    assert after.get("401", 0) - before.get("401", 0) == 1
    routes = {dict(labels)["route"] for (name, labels) in found
              if name == "sitelens_http_requests_total"}
    assert not any("0000-0000" in route for route in routes)  # templates, never raw ids
    assert any(name == "sitelens_http_request_duration_seconds_bucket" for name, _ in found)


def test_a_finished_analysis_is_counted_once_in_the_database_metrics(
        client, api, shop, settings, django_capture_on_commit_callbacks):
    settings.SITELENS_ALLOWED_TARGETS = shop.authority
    job = analyse(api, shop, django_capture_on_commit_callbacks)
    found = scrape(client)
    assert found[("sitelens_pages_crawled_total", frozenset())] == job.pages_done
    fetched = job.pages.filter(status_code__isnull=False).count()
    assert found[("sitelens_crawl_fetch_seconds_count", frozenset())] == fetched
    assert found[("sitelens_crawl_fetch_seconds_bucket", frozenset({("le", "+Inf")}))] == fetched
    assert found[("sitelens_crawl_fetch_seconds_bucket", frozenset({("le", "30")}))] == fetched
    ended = ("sitelens_analyses_ended_total",
             frozenset({("status", "succeeded"), ("kind", job.kind)}))
    assert found[ended] == 1
    assert found[("sitelens_analyses", frozenset({("status", "succeeded")}))] == 1
    severities = sum(value for (name, _), value in found.items() if name == "sitelens_findings")
    assert severities == Finding.objects.filter(page__job=job).count() > 0
    assert ("sitelens_task_queue_depth", frozenset()) in found
    assert found[("sitelens_webhook_deliveries", frozenset({("status", "pending")}))] == 0
