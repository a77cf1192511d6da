"""API submit → worker (django-q2 sync mode) → findings equal the test site's known defects."""

from urllib.parse import urlsplit

import pytest

from apps.analyses.models import Finding
from apps.jobs.models import Job, JobEvent, Page, Status
from apps.jobs.recovery import job_recover_stale
from apps.jobs.services import job_cancel
from tests.support.analyses import create_analysis, run
from tests.support.testsite import DEFECTS, SHORT_PAGE_RULES

pytestmark = pytest.mark.django_db

# /logo.png is only an <img> source: resources are not crawled as pages.
NEVER_CRAWLED = {"/older", "/private/", "/private/secret", "/nofollow-target", "/logo.png"}


def _run_via_api(api, django_capture_on_commit_callbacks, payload) -> Job:
    # In sync mode the enqueued task runs as soon as the creating transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/analyses", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "queued"
    return Job.objects.get(pk=response.json()["id"])


@pytest.fixture
def audited(api, site, django_capture_on_commit_callbacks):
    job = _run_via_api(api, django_capture_on_commit_callbacks,
                       {"url": site.url, "max_pages": 60, "max_depth": 6})
    job.refresh_from_db()
    return job, site


def test_it_finishes_the_audit_successfully(audited):
    job, _ = audited
    assert job.status == Status.SUCCEEDED, job.error
    assert job.pages_done == Page.objects.filter(job=job).count()
    assert job.finished_at is not None and job.attempt == 1


def test_it_reports_exactly_the_known_defects(audited):
    job, _ = audited
    found = {(urlsplit(f.page_url).path, f.rule_id)
             for f in Finding.objects.filter(job=job).exclude(rule_id__in=SHORT_PAGE_RULES)}
    crawled_paths = {urlsplit(p.url).path for p in Page.objects.filter(job=job)}
    expected = {(path, rule) for path, rules in DEFECTS.items() if path in crawled_paths
                for rule in rules}
    assert found == expected
    assert set(DEFECTS) - NEVER_CRAWLED - {"/new"} <= crawled_paths


def test_it_never_fetches_robots_disallowed_pages(audited):
    job, site = audited
    assert not any(path.startswith("/private") for path in site.paths)
    assert not Page.objects.filter(job=job, url__contains="/private").exists()


def test_it_bounds_the_calendar_trap(audited):
    job, _ = audited
    calendar_pages = Page.objects.filter(job=job, url__contains="/calendar").count()
    assert 0 < calendar_pages <= 6  # max_depth bounds an endless month=N+1 chain
    assert job.pages_done <= 60


def test_it_stores_each_page_once_with_its_redirect_chain(audited):
    job, _ = audited
    urls = list(Page.objects.filter(job=job).values_list("url", flat=True))
    assert len(urls) == len(set(urls))
    old = Page.objects.get(job=job, url__endswith="/old")
    assert [hop["status"] for hop in old.redirect_chain] == [301, 302]
    assert old.final_url.endswith("/new")


def test_it_stores_the_facts_site_rules_compare_with_each_page(audited):
    job, site = audited
    home = Page.objects.get(job=job, url=site.url + "/")
    assert home.facts["noindex"] is False
    assert home.facts["h1"] and home.facts["description"]
    assert site.url + "/about" in home.facts["anchors"]
    assert Page.objects.get(job=job, url__endswith="/noindex").facts["noindex"] is True
    assert Page.objects.get(job=job, url__endswith="/report.pdf").facts == {"noindex": False}


def test_it_records_a_pdf_without_parsing_it(audited):
    job, _ = audited
    pdf = Page.objects.get(job=job, url__endswith="/report.pdf")
    assert pdf.content_type == "application/pdf" and pdf.title is None
    assert not Finding.objects.filter(job=job, page=pdf).exists()


def test_it_decodes_latin1_and_windows_1252_titles(audited):
    job, _ = audited
    latin1 = Page.objects.get(job=job, url__endswith="/latin1")
    cp1252 = Page.objects.get(job=job, url__endswith="/windows-1252")
    assert "é" in latin1.title or "ü" in latin1.title
    assert "\ufffd" not in latin1.title + cp1252.title
    assert any(ch in cp1252.title for ch in "éüö€’")


def test_it_logs_events_in_order_ending_with_completed(audited):
    job, _ = audited
    types = list(JobEvent.objects.filter(job=job).order_by("id").values_list("type", flat=True))
    assert types[0] == "status"
    assert types[-2:] == ["status", "completed"]
    assert types.count("page") == job.pages_done
    assert "finding" in types and "progress" in types and "log" in types


def test_it_does_no_work_when_the_task_is_delivered_twice(audited):
    job, _ = audited
    events_before = JobEvent.objects.filter(job=job).count()
    run(job)
    job.refresh_from_db()
    assert job.attempt == 1
    assert JobEvent.objects.filter(job=job).count() == events_before


def test_it_fails_with_a_reason_when_the_start_page_is_unreachable(api, django_capture_on_commit_callbacks,
                                                                    settings):
    from tests.support.http_server import LocalHTTPServer

    with LocalHTTPServer() as server:
        dead_port = server.port
    settings.SITELENS_ALLOWED_TARGETS = f"127.0.0.1:{dead_port}"
    job = _run_via_api(api, django_capture_on_commit_callbacks, {"url": f"http://127.0.0.1:{dead_port}/"})
    job.refresh_from_db()
    assert job.status == Status.FAILED
    # robots.txt is fetched first and fails to connect: that is what is reported, not
    # "robots.txt disallows everything".
    assert job.error_code == "connection" and "start page" in job.error
    assert JobEvent.objects.filter(job=job, type="failed").exists()


def test_it_resumes_from_stored_pages_without_refetching_them(user, site):
    options = {"max_pages": 60, "max_depth": 6}
    job = create_analysis(user, site.url, **options)
    # First attempt: stop after 5 pages, as if the worker died there.
    seen = []

    def die_after_five(j):
        seen.append(j.pages_done)
        if j.pages_done == 5:
            raise KeyboardInterrupt  # like a kill: nothing is cleaned up

    with pytest.raises(KeyboardInterrupt):
        run(job, on_page=die_after_five)
    stored_first = set(Page.objects.filter(job=job).values_list("url", flat=True))
    assert len(stored_first) == 5
    requests_before = list(site.requests)

    Job.objects.filter(pk=job.pk).update(worker="gone-host:1", heartbeat_at=None)
    assert [j.pk for j in job_recover_stale()] == [job.pk]
    run(job)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED and job.attempt == 2
    refetched = [p for p in site.requests[len(requests_before):]
                 if site.url_for(p) in stored_first or site.url_for(p) + "/" in stored_first]
    assert refetched == []
    urls = list(Page.objects.filter(job=job).values_list("url", flat=True))
    assert len(urls) == len(set(urls))

    # The resumed crawl reaches exactly what an uninterrupted one reaches.
    fresh = create_analysis(user, site.url, **options)
    run(fresh)
    assert set(urls) == set(Page.objects.filter(job=fresh).values_list("url", flat=True))


def test_it_gives_up_after_three_attempts(user, site):
    job = create_analysis(user, site.url, max_pages=5, max_depth=1)
    Job.objects.filter(pk=job.pk).update(status=Status.RUNNING, attempt=3, worker="gone-host:1",
                                         heartbeat_at=None)
    assert job_recover_stale() == []
    job.refresh_from_db()
    assert job.status == Status.FAILED and job.error_code == "too_many_attempts"


def test_it_cancels_within_one_page_and_keeps_what_was_done(user, site):
    job = create_analysis(user, site.url, max_pages=60, max_depth=6)

    def cancel_at_three(j):
        if j.pages_done == 3:
            job_cancel(job=Job.objects.get(pk=j.pk))

    run(job, on_page=cancel_at_three)
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    assert Page.objects.filter(job=job).count() == 3


def test_it_leaves_a_job_alone_while_its_worker_process_lives(user, site):
    from django.utils import timezone

    from apps.jobs.workers import current_worker

    job = create_analysis(user, site.url, max_pages=5)
    Job.objects.filter(pk=job.pk).update(status=Status.RUNNING, attempt=1,
                                         heartbeat_at=timezone.now(), worker=current_worker())
    assert job_recover_stale() == []
    assert Job.objects.get(pk=job.pk).status == Status.RUNNING


def test_it_stops_a_worker_whose_job_was_taken_over(user, site):
    job = create_analysis(user, site.url, max_pages=30)

    def taken_over_at_two(j):
        if j.pages_done == 2:
            Job.objects.filter(pk=j.pk).update(worker="other-host:42")

    assert run(job, on_page=taken_over_at_two) is None
    assert Page.objects.filter(job=job).count() == 2
    assert Job.objects.get(pk=job.pk).status == Status.RUNNING  # the new owner finishes it


@pytest.mark.parametrize("location", ["http://127.0.0.1:{other}/", "http://2130706433:{other}/",
                                      "http://169.254.169.254/latest/meta-data/"])
def test_it_never_follows_an_allowed_site_into_the_internal_network(user, location, settings):
    from tests.support.http_server import LocalHTTPServer
    from tests.support.testsite import Response, TestSite

    with LocalHTTPServer() as internal:
        target = location.format(other=internal.port)
        with TestSite(extra_routes={"/": Response(status=302, headers={"Location": target})}) as site:
            settings.SITELENS_ALLOWED_TARGETS = site.host_port
            job = create_analysis(user, site.url, max_pages=5)
            run(job)
        assert internal.requests == []
    job.refresh_from_db()
    pages = list(Page.objects.filter(job=job))
    assert [p.status_code for p in pages] == [302]


@pytest.fixture
def crashing_rule():
    """A page rule that raises on pages with an <h2> (a rule bug meeting odd markup)."""
    from apps.analyses.analyzers.base import REGISTRY, SEO, page_rule

    @page_rule(id="test-crashes-on-h2", categories=(SEO,), severity="minor", title="t",
               help="h")
    def crashes(page):
        if page.elements("h2"):
            raise TypeError("cannot handle this markup")
        return []

    yield "test-crashes-on-h2"
    REGISTRY.remove("test-crashes-on-h2")


def test_a_rule_that_crashes_is_recorded_and_shown_not_dropped(api, user, site, crashing_rule):
    from apps.analyses.models import RuleFailure

    job = create_analysis(user, site.url, max_pages=10, max_depth=1)
    run(job)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED  # one broken rule does not fail the analysis
    failures = RuleFailure.objects.filter(job=job)
    assert failures.exists() and {f.error_type for f in failures} == {"TypeError"}
    detail = api.get(f"/api/v1/analyses/{job.pk}").json()
    (incomplete,) = detail["incomplete_rules"]
    assert incomplete["rule_id"] == crashing_rule and incomplete["error_type"] == "TypeError"
    assert incomplete["pages"] == failures.count() and incomplete["page_urls"][0].startswith(site.url)
    warnings = [e.data["message"] for e in job.events.filter(type="log")
                if e.data.get("level") == "warning"]
    assert sum(crashing_rule in message for message in warnings) == 1  # once, not per page
    assert job.events.get(type="completed").data["incomplete_rules"] == 1


def test_it_does_not_follow_links_of_a_page_that_says_noindex_nofollow_with_spaces(user):
    """One parser for both readers: the SEO rule and the crawler agree on the page."""
    from django.test import override_settings

    from tests.support.testsite import Response, TestSite, html_page

    page = html_page(title="A page that asks not to be indexed", description="d" * 80,
                     body='<h1>Hidden</h1><a href="/behind">Go on to the page behind</a>',
                     head_extra='<meta name="robots" content="noindex nofollow">')
    with TestSite(extra_routes={"/": Response(body=page.encode(),
                                              headers={"Content-Type": "text/html"})}) as s, \
            override_settings(SITELENS_ALLOWED_TARGETS=s.host_port):
        job = create_analysis(user, s.url, max_pages=5, use_sitemap=False)
        run(job)
        assert "/behind" not in s.paths
    assert Finding.objects.filter(job=job, rule_id="is-crawlable").exists()
    assert not Page.objects.get(job=job, url=s.url + "/").follow_links


def test_it_checks_external_links_and_weighs_pages_after_the_crawl(user, api):
    """A second local server stands for another site: its broken page is reported on
    the page that links to it, with the link text; resources are sized with HEAD."""
    from django.test import override_settings

    from tests.support.http_server import LocalHTTPServer, Reply
    from tests.support.testsite import Response, TestSite, html_page

    with LocalHTTPServer() as other:
        other.route("/fine", Reply(200, "ok"))
        other.route("/gone", Reply(404, "gone"))
        other.route("/big.png", Reply(200, b"p" * 30_000, {"Content-Type": "image/png"}))
        page = html_page(
            title="A page with external links", description="d" * 80,
            body=f'<h1>Links</h1><a href="{other.url("/fine")}">Partner</a>'
                 f'<a href="{other.url("/gone")}">Old partner</a>'
                 f'<img src="{other.url("/big.png")}" alt="Big">')
        with TestSite(extra_routes={"/": Response(body=page.encode(),
                                                  headers={"Content-Type": "text/html"})}) as s, \
                override_settings(SITELENS_ALLOWED_TARGETS=f"{s.host_port},{other.authority}"):
            job = create_analysis(user, s.url, max_pages=1, use_sitemap=False)
            run(job)
        methods = sorted((r.method, r.path) for r in other.requests)
    (finding,) = Finding.objects.filter(job=job, rule_id="external-broken-link")
    assert finding.page_url == s.url + "/"
    assert "Old partner" in finding.message and "404" in finding.message
    assert methods == [("GET", "/gone"), ("HEAD", "/big.png"), ("HEAD", "/fine"),
                       ("HEAD", "/gone")]
    weight = Page.objects.get(job=job, url=s.url + "/").facts["weight"]
    assert weight["resources"] == weight["resources_sized"] == 1
    assert weight["total_bytes"] == weight["html_bytes"] + 30_000
    assert any("Checked 2 external links (1 broken) and 1 resources" in e.data["message"]
               for e in job.events.filter(type="log"))
    (row,) = api.get(f"/api/v1/analyses/{job.pk}/pages").json()["results"]
    assert row["weight"] == weight
    assert row["resources"] == {"images": 1, "scripts": 0, "stylesheets": 0, "fonts": 0}
    assert (row["h1"], row["description"], row["noindex"]) == (["Links"], "d" * 80, False)


def test_lighthouse_audits_read_the_http_headers_the_page_is_served_with(user):
    """Link (canonical, hreflang) and X-Robots-Tag come from the real response."""
    from django.test import override_settings

    from tests.support.testsite import Response, TestSite, html_page

    page = html_page(title="A page whose headers decide its audits", description="d" * 80,
                     body="<h1>Headers</h1><p>Everything that matters is in the headers.</p>",
                     head_extra='<link rel="canonical" href="/">')
    headers = {"Content-Type": "text/html",
               "Link": '</elsewhere>; rel="canonical", </de/>; rel="alternate"; hreflang="xx-1"',
               "X-Robots-Tag": "googlebot: noindex"}
    with TestSite(extra_routes={"/": Response(body=page.encode(), headers=headers)}) as s, \
            override_settings(SITELENS_ALLOWED_TARGETS=s.host_port):
        job = create_analysis(user, s.url, max_pages=1, use_sitemap=False)
        run(job)
    rules = set(Finding.objects.filter(job=job).values_list("rule_id", flat=True))
    assert {"canonical", "hreflang"} <= rules  # the header's canonical disagrees; xx is no language
    assert "is-crawlable" not in rules  # only Googlebot is told noindex: others may index
    (hreflang,) = Finding.objects.filter(job=job, rule_id="hreflang")
    assert "xx-1" in hreflang.message + hreflang.snippet
