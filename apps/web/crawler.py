"""The same-site, breadth-first, polite crawler.

Plain Python (no Django): the job runner feeds the pages it yields to the
analyzers and stores them. Design points, and why:

* **Deterministic order with concurrency.** Up to `options.concurrency` pages are
  fetched at once, but results are *processed and yielded in queue order* (a
  result that arrives early waits for the ones queued before it). Because links
  are queued only while processing, the queue - and so the set of pages a crawl
  reaches under max_pages - does not depend on thread timing.
* **Redirects are followed here, hop by hop** (`follow_redirects=False`), so every
  hop is checked against the site boundary and robots.txt before it is requested
  and goes through the per-host politeness gap. The client still vets each hop's
  address. URLs a chain passed through are marked seen, so they are not fetched
  again as pages of their own.
* **Resume never refetches.** Pages stored by an earlier attempt are passed as
  `done`; when the queue reaches one, its stored links are replayed instead of
  fetching it, which rebuilds exactly the queue the first attempt had.
* **Cancellation is prompt.** `stop()` (from any thread) makes the iterator end at
  once; no new request starts, in-flight results are dropped.
* **The caller keeps a pulse.** `on_idle` is called from the crawling thread at
  least every half second while it waits for fetches, and between sitemap files,
  so a job runner can write its heartbeat during long waits (a slow site, a slow
  redirect chain, ten sitemap files), and while a host's Retry-After or
  Crawl-delay keeps the crawling thread itself waiting (robots.txt, sitemaps). It may
  raise to abort the crawl; the exception leaves `crawl()`.
* **Politeness, and saying when it slowed** (:mod:`apps.web.politeness`): every request
  (pages, redirect hops, robots.txt, sitemaps) waits for its host's slot; a 429 or 503
  holds the host for its Retry-After and is retried a bounded number of times, and a
  page that keeps answering so is yielded with that status. Each slowdown (a hold, a
  backoff, a Crawl-delay wider than `delay_ms`) is passed to `on_slowed` as a
  `Slowdown`, from the crawling thread, before the next page is yielded.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin

from apps.web.charset import decode_html
from apps.web.directives import SEARCH_ENGINE_BOTS, RobotsDirectives
from apps.web.document import HtmlDocument
from apps.web.frontier import (
    MAX_PAGES,
    OFF_SITE,
    ROBOTS_DISALLOWED,
    Frontier,
    QueueItem,
)
from apps.web.http.errors import FetchError
from apps.web.politeness import (
    MAX_CRAWL_DELAY_S,
    MAX_RETRIES,
    RETRY_STATUSES,
    HostThrottle,
    Slowdown,
    host_of,
)
from apps.web.robots import HttpClient, RobotsPolicy, fetch_robots, product_token
from apps.web.sitemap import SitemapResult, collect_sitemap_urls
from apps.web.types import (
    MAX_REDIRECTS,
    REDIRECT_STATUSES,
    CrawledPage,
    CrawlOptions,
    FetchResult,
    RedirectHop,
)
from apps.web.urls import header_text, normalize_url, origin

__all__ = [
    "MAX_CRAWL_DELAY_S",
    "CrawlStopped",
    "Crawler",
    "DonePage",
    "HostThrottle",
    "Slowdown",
]

INVALID_REDIRECT = "invalid-redirect"
_WAKE_INTERVAL_S = 0.5  # upper bound on how long the main loop sleeps without re-checking


class CrawlStopped(Exception):
    """Raised inside the crawl machinery once stop() was called; never escapes crawl()."""


@dataclass(frozen=True)
class DonePage:
    """A page an earlier attempt of the same crawl already stored.

    `links` are the page's outlinks as recorded (`CrawledPage.links`); `redirects`
    the URLs of its redirect hops (`[hop.url for hop in page.redirects]`), so the
    resumed crawl marks them seen as the first attempt did. `follow_links` is False
    for pages whose links were not followed (meta robots nofollow).
    """

    url: str
    depth: int
    links: Sequence[str] = ()
    final_url: str = ""
    redirects: Sequence[str] = ()
    follow_links: bool = True

    @classmethod
    def from_page(cls, page: CrawledPage) -> DonePage:
        """What to store about a yielded page so a later attempt can resume after it."""
        return cls(
            url=page.url,
            depth=page.depth,
            links=tuple(page.links),
            final_url=page.final_url,
            redirects=tuple(hop.url for hop in page.redirects),
            follow_links=page.follow_links,
        )


class _PoliteClient:
    """Wraps the HTTP client: every request waits for its host's slot and honours stop();
    a 429/503 holds the host and is retried (bounded), each time reported to `notify`."""

    def __init__(
        self, client: HttpClient, throttle: HostThrottle, notify: Callable[[Slowdown], None]
    ) -> None:
        self._client = client
        self._throttle = throttle
        self._notify = notify

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        auth: object = None,
    ) -> FetchResult:
        host = host_of(url)
        for attempt in range(MAX_RETRIES + 1):
            if not self._throttle.wait(host):
                raise CrawlStopped()
            result = self._client.get(
                url, headers=headers, follow_redirects=follow_redirects, auth=auth
            )
            if result.status not in RETRY_STATUSES:
                break
            # The answer's host, which a followed redirect (robots.txt, sitemaps) may
            # have changed; the retry starts at the requested host, so it waits too.
            answered_by = host_of(result.final_url or url)
            slowdown = self._throttle.refused(
                answered_by, result.status, result.headers.get("retry-after"), attempt
            )
            if answered_by != host:
                self._throttle.hold(host, slowdown.seconds)
            self._notify(slowdown)
            if not slowdown.retry:
                break
        return result


@dataclass
class _Fetched:
    """What a worker hands back for one queued URL."""

    page: CrawledPage
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Slot:
    """One queue item being worked on: a fetch in flight, or a stored page to replay."""

    item: QueueItem
    future: Future[_Fetched] | None = None
    done: DonePage | None = None


class Crawler:
    """Crawl one site breadth-first from `start_url`; see the module docstring.

    Readable while and after crawling (for logs): `robots` (the site's policy),
    `sitemap` / `sitemap_urls`, `skipped` / `skipped_counts`, `site_origin`,
    `pages_attempted`, `slowdown_counts`.
    """

    def __init__(
        self,
        start_url: str,
        options: CrawlOptions,
        client: HttpClient,
        *,
        done: Iterable[DonePage] = (),
        on_idle: Callable[[], None] | None = None,
        on_slowed: Callable[[Slowdown], None] | None = None,
    ) -> None:
        start = normalize_url(start_url)
        if start is None:
            raise ValueError(f"not a crawlable http(s) URL: {start_url!r}")
        self.start_url = start
        self.options = options
        self.frontier = Frontier(options)  # validates include/exclude regexes
        self.done_pages: dict[str, DonePage] = {}
        for page in done:
            key = normalize_url(page.url) or page.url
            self.done_pages.setdefault(key, page)

        self.site_origin: str | None = None
        self.robots: RobotsPolicy | None = None  # policy of the site's origin, once known
        self.robots_policies: dict[str, RobotsPolicy] = {}  # origin -> policy
        self.sitemap: SitemapResult | None = None
        self.pages_attempted = 0  # fetched (or failed) in this run; done pages excluded
        self.slowdown_counts: Counter[str] = Counter()  # Slowdown.reason -> times reported

        self._token = product_token(options.user_agent)
        self._max_redirects = int(getattr(client, "max_redirects", MAX_REDIRECTS))
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._throttle = HostThrottle(
            options.delay_ms / 1000.0, stop_event=self._stop, sleep=self._pause
        )
        self._slowdowns: deque[Slowdown] = deque()  # appended by any thread, read by ours
        self._http = _PoliteClient(client, self._throttle, self._slowdowns.append)
        self._robots_lock = threading.Lock()
        self._covered: set[str] = set()  # reached inside an already processed redirect chain
        self._started = False
        self._on_idle = on_idle or (lambda: None)
        self._on_slowed = on_slowed or (lambda _slowdown: None)
        self._crawl_thread: int | None = None  # the thread iterating crawl()

    # -- what the caller reads ---------------------------------------------------------

    @property
    def skipped(self) -> list[tuple[str, str]]:
        """(url, reason) for URLs not crawled: robots-disallowed, off-site, over-depth, ..."""
        return self.frontier.skipped

    @property
    def skipped_counts(self) -> Counter[str]:
        return self.frontier.skipped_counts

    @property
    def sitemap_urls(self) -> list[str]:
        return list(self.sitemap.urls) if self.sitemap else []

    def host_gap(self, host: str) -> float:
        """Seconds between request starts to `host` ("name:port" as in URLs)."""
        return self._throttle.gap(host.lower())

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Cancel the crawl (thread-safe): no new request starts and the iterator ends."""
        self._stop.set()
        self._wake.set()

    # -- the crawl -----------------------------------------------------------------------

    def crawl(self) -> Iterator[CrawledPage]:
        """Yield each attempted page once, breadth-first, in a deterministic order."""
        if self._started:
            raise RuntimeError("a Crawler can run only once")
        self._started = True
        self._crawl_thread = threading.get_ident()
        executor = ThreadPoolExecutor(
            max_workers=max(1, self.options.concurrency), thread_name_prefix="crawler"
        )
        try:
            yield from self._run(executor)
        except CrawlStopped:
            return
        finally:
            executor.shutdown(wait=False, cancel_futures=True)

    def _run(self, executor: ThreadPoolExecutor) -> Iterator[CrawledPage]:
        options = self.options
        start = self.start_url
        if options.respect_robots:
            policy = self._robots_for(origin(start))
            self.robots = policy  # replaced by the final origin's policy if the start redirects
            if not policy.allowed(start):
                self.frontier.record_skip(start, ROBOTS_DISALLOWED)
                return
        self.frontier.add_start(start)

        budget = max(0, options.max_pages - len(self.done_pages))
        concurrency = max(1, options.concurrency)
        window: deque[_Slot] = deque()
        in_flight = 0

        while not self._stop.is_set():
            while in_flight < concurrency:
                item = self.frontier.peek()
                if item is None:
                    break
                done = self.done_pages.get(item.url)
                if done is None and self.pages_attempted >= budget:
                    break
                self.frontier.pop()
                if done is not None:
                    window.append(_Slot(item=item, done=done))
                    continue
                future = executor.submit(self._fetch, item)
                future.add_done_callback(lambda _f: self._wake.set())
                window.append(_Slot(item=item, future=future))
                in_flight += 1
                self.pages_attempted += 1
            if not window:
                break

            slot = window.popleft()
            if slot.done is not None:
                if slot.item.url not in self._covered:
                    self._process(
                        slot.item,
                        final_url=slot.done.final_url,
                        hop_urls=slot.done.redirects,
                        links=slot.done.links if slot.done.follow_links else (),
                    )
                    if slot.item.source == "start":
                        self._add_sitemap_urls()
                continue

            assert slot.future is not None
            if not self._wait_for(slot.future):
                return
            in_flight -= 1
            fetched = slot.future.result()  # CrawlStopped propagates; FetchError never does
            if slot.item.url in self._covered:
                # An earlier page's redirect chain already reported this URL; the
                # concurrent request for it was wasted, its slot is given back.
                self.frontier.release()
                self.pages_attempted -= 1
                continue
            for url, reason in fetched.skipped:
                self.frontier.record_skip(url, reason)
            page = fetched.page
            self._process(
                slot.item,
                final_url=page.final_url,
                hop_urls=[hop.url for hop in page.redirects],
                links=page.links if page.follow_links else (),
            )
            if self._stop.is_set():
                return
            self._announce_slowdowns()
            yield page
            if slot.item.source == "start" and not self._stop.is_set():
                self._add_sitemap_urls()

        if not self._stop.is_set():
            self._announce_slowdowns()
            for item in self.frontier.drain():
                if item.url not in self.done_pages:  # stored pages are not "skipped"
                    self.frontier.record_skip(item.url, MAX_PAGES)

    def _wait_for(self, future: Future[_Fetched]) -> bool:
        """Wait for `future`; False as soon as stop() is called."""
        while True:
            self._wake.clear()
            if future.done():
                return True
            if self._stop.is_set():
                return False
            self._announce_slowdowns()
            self._on_idle()
            self._wake.wait(_WAKE_INTERVAL_S)

    def _pause(self, seconds: float) -> bool:
        """The throttle's sleep; True when stop() cut it short. On the crawling thread
        (robots.txt, sitemaps) it wakes every half second to report slowdowns and call
        `on_idle`, so a long Retry-After does not silence the caller's heartbeat."""
        if threading.get_ident() != self._crawl_thread:
            return self._stop.wait(seconds)
        end = time.monotonic() + seconds
        while (remaining := end - time.monotonic()) > 0:
            if self._stop.wait(min(remaining, _WAKE_INTERVAL_S)):
                return True
            self._announce_slowdowns()
            self._on_idle()
        return self._stop.is_set()

    def _announce_slowdowns(self) -> None:
        """Pass the slowdowns reported so far to `on_slowed` (crawling thread only)."""
        while self._slowdowns:
            slowdown = self._slowdowns.popleft()
            self.slowdown_counts[slowdown.reason] += 1
            self._on_slowed(slowdown)

    def _process(
        self, item: QueueItem, *, final_url: str, hop_urls: Sequence[str], links: Sequence[str]
    ) -> None:
        """Bookkeeping for a finished page, in queue order: site, redirects, outlinks."""
        if item.source == "start":
            self._set_site(normalize_url(final_url) or item.url)
        for url in [*hop_urls, final_url]:
            normalised = normalize_url(url) if url else None
            if normalised and normalised != item.url and origin(normalised) == self.site_origin:
                self._covered.add(normalised)
                self.frontier.cover(normalised)
        for link in links:
            self.frontier.offer(link, item.depth + 1, source="link", referrer=item.url)

    def _set_site(self, final_url: str) -> None:
        """The site is the start page's origin *after* its redirects."""
        self.site_origin = origin(final_url)
        self.frontier.site_origin = self.site_origin
        if self.options.respect_robots or self.options.use_sitemap:
            self.robots = self._robots_for(self.site_origin)
            if self.options.respect_robots:
                self.frontier.robots_allowed = self.robots.allowed

    def _add_sitemap_urls(self) -> None:
        """Queue the sitemap's same-site URLs at depth 1, after the start page's links."""
        if not self.options.use_sitemap or self.site_origin is None:
            return
        robots = self.robots
        allowed = robots.allowed if (robots is not None and self.options.respect_robots) else None
        self.sitemap = collect_sitemap_urls(
            self._http,
            self.site_origin,
            robots.sitemaps if robots is not None else (),
            allowed=allowed,
            between_files=self._on_idle,
        )
        for url in self.sitemap.urls:
            self.frontier.offer(url, 1, source="sitemap")

    def _robots_for(self, site_origin: str) -> RobotsPolicy:
        """The robots.txt policy of an origin, fetched once (thread-safe)."""
        with self._robots_lock:
            policy = self.robots_policies.get(site_origin)
            if policy is None:
                policy = fetch_robots(self._http, site_origin, self.options.user_agent)
                self.robots_policies[site_origin] = policy
                if self.options.respect_robots and policy.crawl_delay:
                    self._apply_crawl_delay(host_of(site_origin), policy.crawl_delay)
            return policy

    def _apply_crawl_delay(self, host: str, asked: float) -> None:
        delay = min(asked, MAX_CRAWL_DELAY_S)
        requested = self._throttle.default_gap_s
        self._throttle.set_gap(host, max(requested, delay))
        if delay > requested:
            self._slowdowns.append(Slowdown(
                host=host, reason="crawl-delay", seconds=delay, asked_s=asked,
                capped=asked > MAX_CRAWL_DELAY_S, requested_gap_s=requested,
            ))

    # -- worker side ---------------------------------------------------------------------

    def _fetch(self, item: QueueItem) -> _Fetched:
        """Fetch one queued URL, following same-site redirects hop by hop (worker thread)."""
        if self._stop.is_set():
            raise CrawlStopped()
        page = CrawledPage(
            url=item.url, depth=item.depth, source=item.source, referrer=item.referrer
        )
        fetched = _Fetched(page=page)
        crossing_allowed = item.source == "start"  # the start may move to its canonical origin
        current = item.url
        while True:
            try:
                result = self._http.get(current, follow_redirects=False)
            except FetchError as exc:
                page.final_url = current
                page.error = exc.code
                return fetched
            page.fetch_ms += result.elapsed_ms
            location = result.headers.get("location", "").strip()
            if result.status not in REDIRECT_STATUSES or not location:
                self._fill(fetched, result, current)
                return fetched

            page.redirects.append(RedirectHop(url=current, status=result.status))
            target = normalize_url(urljoin(current, header_text(location)))
            if target is not None and target in {hop.url for hop in page.redirects}:
                page.final_url = target
                page.error = "redirect_loop"  # back to a URL of this chain: it never ends
                return fetched
            if len(page.redirects) > self._max_redirects:
                page.final_url = target or current
                page.error = "too_many_redirects"
                return fetched
            refusal = self._refuse_hop(target, crossing_allowed)
            if refusal is not None:
                # Record the redirect response itself; the target is not requested.
                self._fill(fetched, result, current)
                page.final_url = target or current
                if target is not None:
                    fetched.skipped.append((target, refusal))
                return fetched
            assert target is not None
            current = target

    def _refuse_hop(self, target: str | None, crossing_allowed: bool) -> str | None:
        """Why a redirect hop must not be followed, or None."""
        if target is None:
            return INVALID_REDIRECT
        if not crossing_allowed and origin(target) != self.site_origin:
            return OFF_SITE
        if self.options.respect_robots and not self._robots_for(origin(target)).allowed(target):
            return ROBOTS_DISALLOWED
        return None

    def _fill(self, fetched: _Fetched, result: FetchResult, url: str) -> None:
        """Copy a response onto the page; decode and parse it once if it is HTML 2xx."""
        page = fetched.page
        page.final_url = result.final_url or url
        page.status = result.status
        page.headers = dict(result.headers)
        page.content_type = result.content_type
        page.size_bytes = len(result.body)
        document = None
        if result.is_html_document:
            text, page.encoding = decode_html(result.body, result.headers.get("content-type"))
            document = HtmlDocument.parse(text, page.final_url)
        # X-Robots-Tag applies to any response (a PDF may carry noindex); meta tags need HTML.
        page.robots = RobotsDirectives.parse(
            document.named_metas if document is not None else (),
            result.header_values("x-robots-tag"),
            agents=(self._token, *SEARCH_ENGINE_BOTS),
        )
        if document is None:
            return
        page.document = document
        page.links = list(document.links)
        page.follow_links = not page.robots.for_agent(self._token).nofollow

