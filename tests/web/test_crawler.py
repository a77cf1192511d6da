"""The crawler: against the local TestSite through the real GuardedClient, plus a few
edge cases (other origins, redirects off-site) through an in-memory fake web."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from apps.web.crawler import Crawler, DonePage, HostThrottle
from apps.web.frontier import Frontier
from apps.web.http import GuardedClient
from apps.web.types import CrawledPage, CrawlOptions, FetchResult
from tests.support.testsite import (
    LATIN1_TITLE,
    PDF_BYTES,
    WINDOWS_1252_TITLE,
    Response,
    TestSite,
)


@pytest.fixture
def web() -> Iterator[TestSite]:
    with TestSite() as site:
        yield site


def client_for(site: TestSite, *, max_bytes: int = 1_000_000) -> GuardedClient:
    return GuardedClient(
        allowed_targets={site.host_port},
        connect_timeout=2,
        read_timeout=5,
        total_timeout=10,
        max_bytes=max_bytes,
    )


def crawl(site: TestSite, **options) -> tuple[Crawler, list[CrawledPage]]:
    with client_for(site) as client:
        crawler = Crawler(site.url, CrawlOptions(**options), client)
        return crawler, list(crawler.crawl())


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def by_path(pages: list[CrawledPage]) -> dict[str, CrawledPage]:
    return {path_of(page.url): page for page in pages}


# -- breadth-first order and limits -----------------------------------------------------------


def test_it_assigns_breadth_first_depths(web: TestSite) -> None:
    _, pages = crawl(web)

    depths = {path: page.depth for path, page in by_path(pages).items()}
    assert depths["/"] == 0
    assert depths["/about"] == 1
    assert depths["/about/team"] == 2
    assert depths["/missing"] == 2
    assert depths["/calendar?month=3"] == 3


def test_it_yields_pages_in_breadth_first_order(web: TestSite) -> None:
    _, pages = crawl(web)

    depths = [page.depth for page in pages]
    assert depths == sorted(depths)
    assert max(depths) == 5


def test_it_yields_every_url_once(web: TestSite) -> None:
    _, pages = crawl(web)

    urls = [page.url for page in pages]
    assert len(urls) == len(set(urls))
    assert web.count("/about") == 1  # also linked as /about#history and from the sitemap


def test_it_respects_max_pages(web: TestSite) -> None:
    _, pages = crawl(web, max_pages=3)

    page_requests = [p for p in web.requests if p not in ("/robots.txt", "/sitemap.xml")]
    assert [path_of(page.url) for page in pages] == ["/", "/about", "/contact"]
    assert sorted(page_requests) == ["/", "/about", "/contact"]  # arrival order may vary


def test_it_stops_at_max_depth(web: TestSite) -> None:
    crawler, pages = crawl(web, max_depth=2)

    assert max(page.depth for page in pages) == 2
    assert "/calendar?month=3" not in web.requests
    assert (web.url_for("/calendar?month=3"), "over-depth") in crawler.skipped


def test_it_bounds_the_calendar_trap(web: TestSite) -> None:
    crawler, pages = crawl(web, max_pages=10_000, max_depth=10_000)

    calendar = [page for page in pages if urlsplit(page.url).path == "/calendar"]
    assert len(calendar) == 50
    assert crawler.skipped_counts["too-many-variants"] == 1


def test_it_gives_the_same_order_whatever_the_concurrency(web: TestSite) -> None:
    _, serial = crawl(web, max_pages=25, concurrency=1)
    _, parallel = crawl(web, max_pages=25, concurrency=4)

    assert [page.url for page in parallel] == [page.url for page in serial]


def test_it_applies_exclude_patterns(web: TestSite) -> None:
    crawler, _ = crawl(web, exclude=[r"/duplicate-"])

    assert not any(path.startswith("/duplicate-") for path in web.requests)
    assert (web.url_for("/duplicate-a"), "excluded") in crawler.skipped


def test_it_applies_include_patterns(web: TestSite) -> None:
    _, pages = crawl(web, include=[r"/about"])

    assert {path_of(page.url) for page in pages} == {"/", "/about", "/about/team"}


# -- robots.txt, sitemaps, nofollow ------------------------------------------------------------


def test_it_never_requests_robots_disallowed_urls(web: TestSite) -> None:
    crawler, _ = crawl(web)

    assert not any(path.startswith("/private") for path in web.requests)
    assert (web.url_for("/private/"), "robots-disallowed") in crawler.skipped  # linked
    assert (web.url_for("/private/secret"), "robots-disallowed") in crawler.skipped  # sitemap


def test_it_crawls_disallowed_urls_when_robots_are_ignored(web: TestSite) -> None:
    crawl(web, respect_robots=False)

    assert "/private/" in web.requests


def test_it_discovers_orphans_from_the_sitemap(web: TestSite) -> None:
    crawler, pages = crawl(web)

    orphan = by_path(pages)["/orphan"]
    assert (orphan.depth, orphan.source) == (1, "sitemap")
    assert web.url_for("/orphan") in crawler.sitemap_urls


def test_it_skips_the_sitemap_when_told_to(web: TestSite) -> None:
    _, pages = crawl(web, use_sitemap=False)

    assert "/orphan" not in by_path(pages)
    assert "/sitemap.xml" not in web.requests


def test_it_records_but_does_not_follow_links_of_nofollow_pages(web: TestSite) -> None:
    _, pages = crawl(web)

    assert web.url_for("/nofollow-target") in by_path(pages)["/nofollow"].links
    assert "/nofollow-target" not in web.requests


# -- what each page records --------------------------------------------------------------------


def test_it_records_a_pdf_without_parsing_it(web: TestSite) -> None:
    _, pages = crawl(web)

    pdf = by_path(pages)["/report.pdf"]
    assert (pdf.status, pdf.content_type, pdf.size_bytes) == (
        200,
        "application/pdf",
        len(PDF_BYTES),
    )
    assert pdf.document is None
    assert pdf.links == []


def test_it_records_a_server_error_without_parsing_it(web: TestSite) -> None:
    _, pages = crawl(web)

    error = by_path(pages)["/error"]
    assert (error.status, error.error, error.document) == (500, None, None)


def test_it_records_the_redirect_chain_and_fetches_each_hop_once(web: TestSite) -> None:
    _, pages = crawl(web)

    old = by_path(pages)["/old"]
    assert [(path_of(hop.url), hop.status) for hop in old.redirects] == [
        ("/old", 301),
        ("/older", 302),
    ]
    assert (path_of(old.final_url), old.status) == ("/new", 200)
    assert old.document is not None
    assert (web.count("/older"), web.count("/new")) == (1, 1)
    assert "/new" not in by_path(pages)


def test_it_decodes_a_latin1_page(web: TestSite) -> None:
    _, pages = crawl(web)

    page = by_path(pages)["/latin1"]
    assert page.document is not None
    assert page.document.title == LATIN1_TITLE


def test_it_decodes_a_windows_1252_page_declared_by_meta(web: TestSite) -> None:
    _, pages = crawl(web)

    page = by_path(pages)["/windows-1252"]
    assert page.document is not None
    assert page.document.title == WINDOWS_1252_TITLE
    assert page.encoding == "windows-1252"


def test_it_records_fetch_errors_and_continues() -> None:
    home = b'<html><body><a href="/big">big</a> <a href="/small">small</a></body></html>'
    routes = {
        "/": Response(body=home, headers={"Content-Type": "text/html"}),
        "/big": Response(body=b"x" * 5000, headers={"Content-Type": "text/html"}),
        "/small": Response(body=b"<p>ok</p>", headers={"Content-Type": "text/html"}),
    }
    with TestSite(extra_routes=routes) as site:
        crawler = Crawler(site.url, CrawlOptions(), client_for(site, max_bytes=1000))
        pages = by_path(list(crawler.crawl()))

    assert (pages["/big"].status, pages["/big"].error) == (None, "too_large")
    assert pages["/small"].status == 200


# -- resume and cancellation -------------------------------------------------------------------


def test_it_never_refetches_done_pages_when_resuming(web: TestSite) -> None:
    _, first = crawl(web, max_pages=12)
    before = len(web.requests)

    resumed = Crawler(
        web.url,
        CrawlOptions(max_pages=30),
        client_for(web),
        done=[DonePage.from_page(page) for page in first],
    )
    list(resumed.crawl())

    done_paths = {path_of(page.url) for page in first}
    done_paths |= {path_of(hop.url) for page in first for hop in page.redirects}
    assert done_paths & set(web.requests[before:]) == set()


def test_it_resumes_to_the_same_pages_as_an_uninterrupted_crawl(web: TestSite) -> None:
    _, uninterrupted = crawl(web, max_pages=30)
    _, first = crawl(web, max_pages=12)

    resumed = Crawler(
        web.url,
        CrawlOptions(max_pages=30),
        client_for(web),
        done=[DonePage.from_page(page) for page in first],
    )
    rest = list(resumed.crawl())

    assert [p.url for p in first] + [p.url for p in rest] == [p.url for p in uninterrupted]


def test_it_stops_promptly_when_asked() -> None:
    with TestSite(latency=0.3) as site, client_for(site) as client:
        crawler = Crawler(site.url, CrawlOptions(concurrency=2, use_sitemap=False), client)
        stopped_at: list[float] = []

        def stop() -> None:
            stopped_at.append(time.monotonic())
            crawler.stop()

        pages = []
        for page in crawler.crawl():
            pages.append(page)
            threading.Timer(0.05, stop).start()  # while the next pages are in flight
        ended = time.monotonic()
        requests_at_end = len(site.requests)
        time.sleep(0.5)  # long enough for in-flight pages to finish and new ones to start

        assert len(pages) == 1
        assert ended - stopped_at[0] < 0.2
        assert len(site.requests) == requests_at_end


# -- edge cases through an in-memory web -------------------------------------------------------


class FakeWeb:
    """In-memory sites: URL -> (status, headers, body). Unknown URLs answer 404."""

    def __init__(self, pages: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.pages = pages
        self.calls: list[str] = []

    def get(self, url, *, headers=None, follow_redirects=True, auth=None) -> FetchResult:
        self.calls.append(url)
        status, page_headers, body = self.pages.get(url, (404, {}, b""))
        return FetchResult(url=url, final_url=url, status=status, headers=page_headers, body=body)


def html(*hrefs: str) -> tuple[int, dict[str, str], bytes]:
    links = "".join(f'<a href="{href}">link</a>' for href in hrefs)
    return 200, {"content-type": "text/html"}, f"<html><body>{links}</body></html>".encode()


def redirect(status: int, to: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"location": to}, b""


def robots(text: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"content-type": "text/plain"}, text.encode()


def fake_crawl(pages, start="https://a.test/", **options) -> tuple[Crawler, FakeWeb, list]:
    fake = FakeWeb(pages)
    crawler = Crawler(start, CrawlOptions(use_sitemap=False, **options), fake)
    return crawler, fake, list(crawler.crawl())


def test_it_moves_to_the_origin_the_start_page_redirects_to() -> None:
    crawler, fake, pages = fake_crawl(
        {
            "http://a.test/": redirect(301, "https://a.test/"),
            "https://a.test/": html("/ok", "http://a.test/old-scheme"),
            "https://a.test/ok": html(),
        },
        start="http://a.test/",
    )

    assert crawler.site_origin == "https://a.test"
    assert [page.url for page in pages] == ["http://a.test/", "https://a.test/ok"]
    assert ("http://a.test/old-scheme", "off-site") in crawler.skipped
    assert "https://a.test/robots.txt" in fake.calls


def test_it_treats_www_as_another_site() -> None:
    crawler, fake, pages = fake_crawl({"https://a.test/": html("https://www.a.test/page")})

    assert "https://www.a.test/page" not in fake.calls
    assert pages[0].links == ["https://www.a.test/page"]
    assert ("https://www.a.test/page", "off-site") in crawler.skipped


def test_it_does_not_follow_a_redirect_off_site() -> None:
    crawler, fake, pages = fake_crawl(
        {"https://a.test/": html("/go"), "https://a.test/go": redirect(302, "https://b.test/")}
    )

    go = pages[1]
    assert (go.status, go.final_url) == (302, "https://b.test/")
    assert "https://b.test/" not in fake.calls
    assert ("https://b.test/", "off-site") in crawler.skipped


def test_it_does_not_follow_a_redirect_into_a_disallowed_path() -> None:
    crawler, fake, _ = fake_crawl(
        {
            "https://a.test/robots.txt": robots("User-agent: *\nDisallow: /secret\n"),
            "https://a.test/": html("/go"),
            "https://a.test/go": redirect(301, "/secret/page"),
        }
    )

    assert "https://a.test/secret/page" not in fake.calls
    assert ("https://a.test/secret/page", "robots-disallowed") in crawler.skipped


def test_it_stops_a_redirect_loop_when_the_chain_comes_back_to_a_url() -> None:
    _, fake, pages = fake_crawl(
        {
            "https://a.test/": html("/a"),
            "https://a.test/a": redirect(302, "/b"),
            "https://a.test/b": redirect(302, "/a"),
        }
    )

    assert (pages[1].error, pages[1].status, pages[1].final_url) == (
        "redirect_loop", None, "https://a.test/a")
    assert [hop.url for hop in pages[1].redirects] == ["https://a.test/a", "https://a.test/b"]
    assert fake.calls.count("https://a.test/a") == 1  # not requested again


def test_it_stops_a_chain_that_never_repeats_after_the_redirect_limit() -> None:
    routes = {"https://a.test/": html("/r0")}
    routes.update({f"https://a.test/r{i}": redirect(302, f"/r{i + 1}") for i in range(10)})
    _, _, pages = fake_crawl(routes)

    assert (pages[1].error, pages[1].status, len(pages[1].redirects)) == (
        "too_many_redirects",
        None,
        6,
    )


def test_it_does_not_crawl_a_start_url_that_robots_disallows() -> None:
    crawler, fake, pages = fake_crawl(
        {"https://a.test/robots.txt": robots("User-agent: *\nDisallow: /\n")}
    )

    assert pages == []
    assert fake.calls == ["https://a.test/robots.txt"]
    assert crawler.skipped == [("https://a.test/", "robots-disallowed")]


def test_it_caps_the_robots_crawl_delay() -> None:
    crawler, _, _ = fake_crawl(
        {"https://a.test/robots.txt": robots("User-agent: *\nCrawl-delay: 30\n")}, max_pages=0
    )

    assert crawler.host_gap("a.test") == 10.0


def test_it_rejects_an_invalid_pattern() -> None:
    with pytest.raises(ValueError, match="exclude"):
        Crawler("https://a.test/", CrawlOptions(exclude=["("]), FakeWeb({}))


# -- building blocks -----------------------------------------------------------------------------


def test_it_spaces_request_starts_to_one_host() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> bool:
        slept.append(seconds)
        now[0] += seconds
        return False

    throttle = HostThrottle(0.5, stop_event=threading.Event(), clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        throttle.wait("a.test")
    throttle.wait("b.test")

    assert slept == [0.5, 0.5]


def test_it_caps_query_string_variants_of_one_path() -> None:
    frontier = Frontier(CrawlOptions(max_pages=1000), max_variants_per_path=3)
    frontier.site_origin = "https://a.test"

    queued = [frontier.offer(f"https://a.test/list?page={n}", 1) for n in range(5)]

    assert queued == [True, True, True, False, False]
    assert frontier.skipped_counts["too-many-variants"] == 2


def test_it_skips_overlong_urls() -> None:
    frontier = Frontier(CrawlOptions(), max_url_length=40)
    frontier.site_origin = "https://a.test"

    assert not frontier.offer("https://a.test/" + "x" * 40, 1)
    assert frontier.skipped == [("https://a.test/" + "x" * 40, "url-too-long")]
