"""Politeness on the wire: a real local server records when every request arrives and how
many are being handled at once, and the crawler must keep to concurrency, delay_ms,
robots.txt's Crawl-delay and the Retry-After of a 429/503 (apps/web/politeness.py).

Every timing check here is a *lower* bound on the spacing the crawler promises (a
correctness property), minus a few milliseconds for scheduling between the moment a
request may start and its bytes reaching the server; none bounds how fast anything is.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import urlsplit

import pytest

from apps.web.crawler import Crawler, HostThrottle, Slowdown
from apps.web.http import GuardedClient
from apps.web.politeness import (
    MAX_RETRIES,
    MAX_RETRY_AFTER_S,
    RATE_LIMITED_MIN_GAP_S,
    parse_retry_after,
)
from apps.web.types import CrawledPage, CrawlOptions
from tests.support.http_server import LocalHTTPServer, Reply

#: How much earlier than promised a request may reach the server: the thread that was
#: given its slot still has to be scheduled and write to the socket (2 shared cores).
TOLERANCE_S = 0.010


@dataclass(frozen=True)
class Arrival:
    path: str
    at: float  # time.monotonic() when the server began handling it
    wall: float  # time.time() at the same moment
    in_flight: int  # requests being handled at that moment, this one included
    attempt: int  # 1 for the first request for this path


#: A page: a fixed Reply, or a function of the attempt number (1, 2, ...) that returns one.
Page = Reply | Callable[[int], Reply]


class RecordingSite:
    """A LocalHTTPServer whose every request is recorded with its arrival time and the
    number of requests in flight; each handler sleeps `latency` seconds so requests
    that are allowed to overlap do. Unknown paths answer 404 (robots.txt included:
    allow all). `answered[path]` holds the time each answer to `path` was complete."""

    def __init__(self, pages: dict[str, Page], *, latency: float = 0.0) -> None:
        self.pages = pages
        self.latency = latency
        self.arrivals: list[Arrival] = []
        self.answered: dict[str, list[float]] = {}
        self.max_in_flight = 0
        self._in_flight = 0
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.first_refusal = threading.Event()  # set once a 429/503 has been answered
        self.server = LocalHTTPServer()
        self.server.route("*", self._handle)

    def __enter__(self) -> RecordingSite:
        self.server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.stop()

    @property
    def host_port(self) -> str:
        return self.server.authority

    def url(self, path: str = "/") -> str:
        return self.server.url(path)

    def paths(self) -> list[str]:
        with self._lock:
            return [arrival.path for arrival in self.arrivals]

    def _handle(self, request) -> Reply:
        path = urlsplit(request.path).path
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            self._counts[path] += 1
            attempt = self._counts[path]
            self.arrivals.append(Arrival(path, time.monotonic(), time.time(),
                                         self._in_flight, attempt))
        try:
            if self.latency:
                time.sleep(self.latency)
            page = self.pages.get(path, Reply(404, "not found"))
            reply = page(attempt) if callable(page) else page
        finally:
            with self._lock:
                self._in_flight -= 1
                self.answered.setdefault(path, []).append(time.monotonic())
        if reply.status in (429, 503):
            self.first_refusal.set()
        return reply


def html(*hrefs: str) -> Reply:
    links = "".join(f'<a href="{href}">link</a>' for href in hrefs)
    return Reply(200, f"<html><body>{links}</body></html>", {"Content-Type": "text/html"})


def refuse_first(status: int, retry_after: Callable[[], str] | str | None, times: int = 1
                 ) -> Callable[[int], Reply]:
    """A page that answers `status` (with that Retry-After) `times` times, then 200."""
    def page(attempt: int) -> Reply:
        if attempt <= times:
            value = retry_after() if callable(retry_after) else retry_after
            return Reply(status, "not now", {"Retry-After": value} if value is not None else {})
        return html()
    return page


def client_for(site: RecordingSite) -> GuardedClient:
    return GuardedClient(allowed_targets={site.host_port}, connect_timeout=2, read_timeout=5,
                         total_timeout=10)


def crawl(site: RecordingSite, **options) -> tuple[Crawler, list[CrawledPage], list[Slowdown]]:
    slowdowns: list[Slowdown] = []
    options.setdefault("use_sitemap", False)
    with client_for(site) as client:
        crawler = Crawler(site.url(), CrawlOptions(**options), client,
                          on_slowed=slowdowns.append)
        return crawler, list(crawler.crawl()), slowdowns


def by_path(pages: list[CrawledPage]) -> dict[str, CrawledPage]:
    return {urlsplit(page.url).path: page for page in pages}


def gaps(arrivals: list[Arrival]) -> list[float]:
    return [later.at - earlier.at for earlier, later in zip(arrivals, arrivals[1:], strict=False)]


PAGES = [f"/p{n}" for n in range(9)]


def wide_site() -> dict[str, Page]:
    """A home page linking to nine leaves, so a crawl has many pages to fetch at once."""
    return {"/": html(*PAGES), **{path: html() for path in PAGES}}


# -- concurrency -----------------------------------------------------------------------------


@pytest.mark.parametrize("concurrency", [1, 3])
def test_it_never_has_more_requests_in_flight_than_the_concurrency(concurrency: int) -> None:
    with RecordingSite(wide_site(), latency=0.1) as site:
        _, pages, _ = crawl(site, concurrency=concurrency)

    assert len(pages) == 10
    assert site.max_in_flight == concurrency  # reached, never exceeded


# -- delay_ms and Crawl-delay ------------------------------------------------------------------


def test_it_spaces_request_arrivals_by_delay_ms_even_with_concurrency() -> None:
    with RecordingSite(wide_site()) as site:
        _, pages, slowdowns = crawl(site, concurrency=4, delay_ms=150, max_pages=6)

    assert len(pages) == 6
    assert len(site.arrivals) == 7  # robots.txt first
    assert min(gaps(site.arrivals)) >= 0.150 - TOLERANCE_S
    assert slowdowns == []  # the crawl went exactly as slowly as asked: nothing to report


def test_it_spaces_request_arrivals_by_the_robots_crawl_delay() -> None:
    routes = {**wide_site(),
              "/robots.txt": Reply(200, "User-agent: *\nCrawl-delay: 0.4\n",
                                   {"Content-Type": "text/plain"})}
    with RecordingSite(routes) as site:
        crawler, pages, slowdowns = crawl(site, concurrency=4, delay_ms=0, max_pages=4)

    assert len(pages) == 4
    assert [a.path for a in site.arrivals][0] == "/robots.txt"
    assert min(gaps(site.arrivals)) >= 0.4 - TOLERANCE_S  # the page after robots.txt too
    assert slowdowns == [Slowdown(host=site.host_port, reason="crawl-delay", seconds=0.4,
                                  asked_s=0.4)]
    assert crawler.host_gap(site.host_port) == 0.4


def test_it_says_nothing_when_the_crawl_delay_is_below_delay_ms() -> None:
    routes = {**wide_site(),
              "/robots.txt": Reply(200, "User-agent: *\nCrawl-delay: 0.1\n",
                                   {"Content-Type": "text/plain"})}
    with RecordingSite(routes) as site:
        crawler, _, slowdowns = crawl(site, delay_ms=200, max_pages=2)

    assert slowdowns == []
    assert crawler.host_gap(site.host_port) == 0.2
    assert min(gaps(site.arrivals)) >= 0.2 - TOLERANCE_S


# -- Retry-After -------------------------------------------------------------------------------


def test_it_waits_for_a_429_retry_after_before_any_request_to_the_host() -> None:
    # /limited is queued first; the others already hold slots 0.3 s apart when it is
    # refused, and must queue again behind the hold instead of arriving inside it.
    routes = {"/": html("/limited", "/a", "/b", "/c"), "/a": html(), "/b": html(),
              "/c": html(), "/limited": refuse_first(429, "1")}
    with RecordingSite(routes) as site:
        crawler, pages, slowdowns = crawl(site, concurrency=4, delay_ms=300)

    limited = [a for a in site.arrivals if a.path == "/limited"]
    assert len(limited) == 2
    first, retry = limited
    assert retry.at - first.at >= 1.0 - TOLERANCE_S
    refused_at = site.answered["/limited"][0]
    inside = [a.path for a in site.arrivals if refused_at < a.at < refused_at + 1.0 - TOLERANCE_S]
    assert inside == []
    assert {a.path for a in site.arrivals} >= {"/a", "/b", "/c"}  # they were fetched after
    assert by_path(pages)["/limited"].status == 200
    assert [page.url for page in pages] == [site.url(p) for p in ("/", "/limited", "/a", "/b",
                                                                    "/c")]
    assert slowdowns == [Slowdown(host=site.host_port, reason="retry-after", seconds=1.0,
                                  status=429, asked_s=1.0, gap_s=0.6, retry=True,
                                  requested_gap_s=0.3)]
    assert crawler.host_gap(site.host_port) == 0.6  # a 429 doubles the gap for the rest


def test_it_waits_until_a_503_retry_after_date() -> None:
    when: list[float] = []

    def retry_at() -> str:
        when.append(math.floor(time.time()) + 2)  # an HTTP-date has whole seconds
        return formatdate(when[-1], usegmt=True)

    routes = {"/": html("/maintenance"), "/maintenance": refuse_first(503, retry_at)}
    with RecordingSite(routes) as site:
        crawler, pages, slowdowns = crawl(site)

    retry = [a for a in site.arrivals if a.path == "/maintenance"][1]
    assert retry.wall >= when[0] - TOLERANCE_S
    assert by_path(pages)["/maintenance"].status == 200
    assert [(s.reason, s.status, s.retry, s.gap_s) for s in slowdowns] == [
        ("retry-after", 503, True, None)]  # a 503 holds the host but keeps its pace
    assert crawler.host_gap(site.host_port) == 0.0


def test_it_backs_off_when_a_503_gives_no_retry_after() -> None:
    routes = {"/": html("/busy"), "/busy": refuse_first(503, None)}
    with RecordingSite(routes) as site:
        _, pages, slowdowns = crawl(site)

    first, retry = [a for a in site.arrivals if a.path == "/busy"]
    assert retry.at - site.answered["/busy"][0] >= 1.0 - TOLERANCE_S
    assert by_path(pages)["/busy"].status == 200
    assert [(s.reason, s.seconds, s.retry) for s in slowdowns] == [("backoff", 1.0, True)]


def test_it_records_the_429_of_a_page_that_keeps_refusing_after_bounded_retries() -> None:
    routes = {"/": html("/never"), "/never": refuse_first(429, "0", times=99)}
    with RecordingSite(routes) as site:
        crawler, pages, slowdowns = crawl(site)

    assert site.paths().count("/never") == MAX_RETRIES + 1
    never = by_path(pages)["/never"]
    assert (never.status, never.error) == (429, None)
    assert [s.retry for s in slowdowns] == [True] * MAX_RETRIES + [False]
    assert "keeps its 429 after 2 retries" in slowdowns[-1].describe()
    # Each 429 widened the gap: 0.5 s, then 1 s, then 2 s between request starts.
    assert [s.gap_s for s in slowdowns] == [RATE_LIMITED_MIN_GAP_S, 1.0, 2.0]
    never_arrivals = [a for a in site.arrivals if a.path == "/never"]
    assert min(gaps(never_arrivals)) >= RATE_LIMITED_MIN_GAP_S - TOLERANCE_S
    assert crawler.slowdown_counts == Counter({"retry-after": 3})


def test_it_does_not_retry_sooner_than_a_retry_after_beyond_the_cap() -> None:
    routes = {"/": refuse_first(429, "3600")}
    with RecordingSite(routes) as site:
        _, pages, slowdowns = crawl(site)

    assert site.paths() == ["/robots.txt", "/"]
    assert pages[0].status == 429
    assert [(s.seconds, s.asked_s, s.capped, s.retry) for s in slowdowns] == [
        (MAX_RETRY_AFTER_S, 3600.0, True, False)]
    assert "not retried" in slowdowns[0].describe()


def test_it_retries_robots_txt_after_its_retry_after() -> None:
    def robots(attempt: int) -> Reply:
        return Reply(503, "busy", {"Retry-After": "1"}) if attempt == 1 else Reply(404)

    routes = {"/": html(), "/robots.txt": robots}
    with RecordingSite(routes) as site:
        idle: list[float] = []
        with client_for(site) as client:
            crawler = Crawler(site.url(), CrawlOptions(use_sitemap=False), client,
                              on_idle=lambda: idle.append(time.monotonic()))
            pages = list(crawler.crawl())

    assert site.paths() == ["/robots.txt", "/robots.txt", "/"]
    assert crawler.robots is not None and crawler.robots.mode == "allow_all"  # the 404
    assert [page.status for page in pages] == [200]
    first, retry = site.arrivals[:2]
    assert retry.at - first.at >= 1.0 - TOLERANCE_S
    # The crawling thread itself sat out the hold; the caller's pulse went on meanwhile.
    assert any(first.at < beat < retry.at for beat in idle)


def test_it_stops_promptly_during_a_retry_after_wait() -> None:
    routes = {"/": html("/limited", "/other"), "/limited": refuse_first(429, "30"),
              "/other": html()}
    with RecordingSite(routes) as site, client_for(site) as client:
        crawler = Crawler(site.url(), CrawlOptions(use_sitemap=False, concurrency=2), client)
        stopped_at: list[float] = []

        def stop_after_refusal() -> None:
            site.first_refusal.wait(10)
            stopped_at.append(time.monotonic())
            crawler.stop()

        stopper = threading.Thread(target=stop_after_refusal)
        stopper.start()
        pages = list(crawler.crawl())
        ended = time.monotonic()
        stopper.join()

    assert [urlsplit(page.url).path for page in pages] == ["/"]
    assert ended - stopped_at[0] < 5  # the crawl did not sit out the 30 s it was asked
    assert site.paths().count("/limited") == 1
    # (and the worker that waited for the retry ends too: see _no_leftover_threads)


# -- building blocks -----------------------------------------------------------------------------


def test_it_requeues_a_waiting_request_behind_a_hold_that_came_in_while_it_slept() -> None:
    now = [100.0]
    slept: list[float] = []
    throttle: HostThrottle

    def sleep(seconds: float) -> bool:
        if not slept:
            throttle.hold("a.test", 2.0)  # another worker's request was refused meanwhile
        slept.append(seconds)
        now[0] += seconds
        return False

    throttle = HostThrottle(0.5, stop_event=threading.Event(), clock=lambda: now[0],
                            sleep=sleep)
    throttle.wait("a.test")
    throttle.wait("a.test")

    assert slept == [0.5, 1.5]  # woke at 100.5, inside the hold: waited until 102
    assert now[0] == 102.0


def test_it_spaces_the_next_request_from_the_last_when_the_gap_grows() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> bool:
        slept.append(seconds)
        now[0] += seconds
        return False

    throttle = HostThrottle(0.0, stop_event=threading.Event(), clock=lambda: now[0],
                            sleep=sleep)
    throttle.wait("a.test")  # robots.txt, at 100
    throttle.set_gap("a.test", 3.0)  # its Crawl-delay
    throttle.wait("a.test")

    assert slept == [3.0]


@pytest.mark.parametrize(("value", "seconds"), [
    ("120", 120.0),
    ("0", 0.0),
    (" 7 ", 7.0),
    ("Sun, 06 Nov 1994 08:49:47 GMT", 10.0),  # IMF-fixdate
    ("Sunday, 06-Nov-94 08:49:47 GMT", 10.0),  # obsolete RFC 850 form
    ("Sun Nov  6 08:49:47 1994", 10.0),  # obsolete asctime form (GMT)
    ("Sun, 06 Nov 1994 08:49:27 GMT", 0.0),  # in the past: no wait
])
def test_it_reads_retry_after_as_seconds_or_an_http_date(value: str, seconds: float) -> None:
    now = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example date)
    assert parse_retry_after(value, now=now) == seconds


@pytest.mark.parametrize("value", [None, "", "soon", "1.5", "-1", "\u0661\u0662", "+3"])
def test_it_ignores_an_unusable_retry_after(value: str | None) -> None:
    assert parse_retry_after(value, now=0.0) is None


def test_it_describes_a_slowdown_by_host_only() -> None:
    slowdown = Slowdown(host="127.0.0.1:8000", reason="retry-after", seconds=2.0, status=429,
                        asked_s=2.0, gap_s=0.5, retry=True)

    assert slowdown.describe() == (
        "127.0.0.1:8000 asked to wait 2 s (429 Retry-After), then the request is tried "
        "again; requests to it now start at least 0.5 s apart.")


@pytest.fixture(autouse=True)
def _no_leftover_threads() -> Iterator[None]:
    before = {t.ident for t in threading.enumerate()}
    yield
    # Crawler workers interrupted by stop() end within a moment; none may hang on.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alive = [t for t in threading.enumerate()
                 if t.ident not in before and t.name.startswith("crawler")]
        if not alive:
            return
        time.sleep(0.05)
    raise AssertionError(f"crawler threads still running: {alive}")
