"""POST /analyses/validate and /analyses/estimate: answers without creating anything."""

import pytest
from django.test import override_settings

from apps.jobs.models import Job
from tests.support.http_server import LocalHTTPServer
from tests.support.testsite import SITEMAP_PATHS, Response, TestSite

pytestmark = pytest.mark.django_db


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


def test_it_validates_a_crawlable_site(api, site):
    response = api.post("/api/v1/analyses/validate", {"url": site.url}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is True and body["url"] == site.url + "/"
    assert body["address"] == "127.0.0.1"
    assert body["robots"]["start_allowed"] is True and body["robots"]["status"] == 200
    # Counted is what the crawl would queue besides the start page: not "/" itself and
    # not the robots-disallowed /private/secret the sitemap also lists.
    assert body["sitemap"] == {"found": True, "files": [site.url + "/sitemap.xml"],
                               "urls": len(SITEMAP_PATHS) - 2}
    assert body["limits"]["max_pages_per_analysis"] >= 50
    assert not Job.objects.exists()


def test_it_refuses_a_start_page_that_robots_txt_disallows(api):
    robots = Response(body=b"User-agent: *\nDisallow: /\n", headers={"Content-Type": "text/plain"})
    with TestSite(extra_routes={"/robots.txt": robots}) as closed, override_settings(SITELENS_ALLOWED_TARGETS=closed.host_port):
        response = api.post("/api/v1/analyses/validate", {"url": closed.url}, format="json")
        ignoring = api.post("/api/v1/analyses/validate",
                            {"url": closed.url, "respect_robots": False}, format="json")
    assert response.status_code == 400 and _error(response)["code"] == "robots_disallowed"
    assert ignoring.status_code == 200


def test_it_says_when_the_site_does_not_answer(api, settings):
    with LocalHTTPServer() as server:
        port = server.port
    settings.SITELENS_ALLOWED_TARGETS = f"127.0.0.1:{port}"
    response = api.post("/api/v1/analyses/validate", {"url": f"http://127.0.0.1:{port}/"},
                        format="json")
    assert response.status_code == 400 and _error(response)["code"] == "connection"


@pytest.mark.parametrize("url, code", [("http://127.0.0.1:9/", "blocked_address"),
                                       ("http://nowhere.invalid/", "dns")])
def test_it_refuses_targets_it_must_not_fetch(api, url, code):
    response = api.post("/api/v1/analyses/validate", {"url": url}, format="json")
    assert response.status_code == 400 and _error(response)["code"] == code


def test_it_refuses_options_over_the_plan(api, user, site):
    plan = user.get_plan()
    plan.max_pages_per_analysis = 5
    plan.save()
    response = api.post("/api/v1/analyses/validate", {"url": site.url, "max_pages": 6},
                        format="json")
    assert response.status_code == 400 and "max_pages" in _error(response)["details"]


def test_it_estimates_pages_and_duration(api, site):
    response = api.post("/api/v1/analyses/estimate",
                        {"url": site.url, "max_pages": 500, "delay_ms": 200}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["start_page"]["status"] == 200 and body["start_page"]["fetch_ms"] >= 0
    assert body["first_level_links"] > 5 and body["sitemap_urls"] == len(SITEMAP_PATHS) - 2
    assert 5 < body["pages"] <= body["first_level_links"] + body["sitemap_urls"] + 1
    # 200 ms between two requests to the site is the floor: politeness caps the speed.
    assert body["gap_seconds"] == 0.2
    assert body["estimated_seconds"] == pytest.approx(body["pages"] * 0.2, abs=0.1)
    assert body["fits_plan"] is True
    assert not Job.objects.exists()


def test_the_estimate_is_capped_by_max_pages_and_says_when_it_does_not_fit(api, user, site):
    plan = user.get_plan()
    plan.max_concurrent_analyses = 0
    plan.save()
    body = api.post("/api/v1/analyses/estimate", {"url": site.url, "max_pages": 3},
                    format="json").json()
    assert body["pages"] == 3 and body["fits_plan"] is False


def test_it_refuses_bad_input_in_the_error_shape(api):
    response = api.post("/api/v1/analyses/estimate", {"url": "ftp://x/", "surprise": 1},
                        format="json")
    assert response.status_code == 400
    assert {"url", "surprise"} <= set(_error(response)["details"])

