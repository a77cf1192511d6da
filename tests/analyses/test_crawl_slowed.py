"""The job's log says when the crawl was slowed: an audit of the local test site whose
/about answers 429 with Retry-After once, and whose robots.txt asks for a Crawl-delay."""

from __future__ import annotations

from email.message import Message
from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from apps.jobs.models import EventType, JobEvent, Page, Status
from tests.support.analyses import create_analysis, run
from tests.support.testsite import ROUTES, Response, TestSite

pytestmark = pytest.mark.django_db

ROBOTS = "User-agent: *\nDisallow: /private/\nCrawl-delay: 0.2\n"


@pytest.fixture
def slowed_audit(user):
    answers: list[int] = []

    def about(_headers: Message) -> Response:
        answers.append(429 if not answers else ROUTES["/about"].status)
        if answers[-1] == 429:
            return Response(status=429, body=b"slow down", headers={"Retry-After": "1"})
        return ROUTES["/about"]

    routes = {"/about": about,
              "/robots.txt": Response(body=ROBOTS.encode(), headers={"Content-Type": "text/plain"})}
    with TestSite(extra_routes=routes) as site, \
            override_settings(SITELENS_ALLOWED_TARGETS=site.host_port):
        job = create_analysis(user, site.url, max_pages=3, max_depth=1, use_sitemap=False)
        run(job)
        job.refresh_from_db()
        yield job, site, answers


def slowed_lines(job) -> list[dict]:
    return [event.data for event in JobEvent.objects.filter(job=job, type=EventType.LOG)
            .order_by("id") if str(event.data.get("message", "")).startswith("Crawl slowed:")]


def test_it_logs_that_a_429_retry_after_slowed_the_crawl(slowed_audit):
    job, site, answers = slowed_audit

    assert job.status == Status.SUCCEEDED, job.error
    assert answers == [429, 200]
    about = next(page for page in Page.objects.filter(job=job)
                 if urlsplit(page.url).path == "/about")
    assert about.status_code == 200  # stored with the answer to the retry
    retry_after = [line for line in slowed_lines(job) if line["slowed"]["reason"] == "retry-after"]
    assert len(retry_after) == 1
    line = retry_after[0]
    assert line["level"] == "warning"
    assert line["message"].startswith(
        f"Crawl slowed: {site.host_port} asked to wait 1 s (429 Retry-After), then the "
        "request is tried again")
    assert line["slowed"]["host"] == site.host_port and line["slowed"]["status"] == 429
    assert "/about" not in line["message"]  # the host only, never a URL


def test_it_logs_once_that_robots_crawl_delay_slowed_the_crawl(slowed_audit):
    job, site, _ = slowed_audit

    crawl_delay = [line for line in slowed_lines(job) if line["slowed"]["reason"] == "crawl-delay"]
    assert [line["message"] for line in crawl_delay] == [
        f"Crawl slowed: robots.txt of {site.host_port} asks for 0.2 s between requests "
        "(Crawl-delay; the analysis asked for 0 ms)."]
    assert crawl_delay[0]["level"] == "info"
