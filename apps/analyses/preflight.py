"""Checks before an analysis is created (POST /analyses/validate and /estimate).

The same parts the crawler uses (guarded client, robots.txt, sitemaps, the page
parser), with tighter limits because a person or a CI job waits for the answer:
each request gets at most PREFLIGHT_TIMEOUT_S, and at most PREFLIGHT_SITEMAP_FILES
sitemap files are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.analyses.options import AnalysisOptions
from apps.core.outbound import guarded_client
from apps.web.charset import decode_html
from apps.web.crawler import MAX_CRAWL_DELAY_S
from apps.web.credentials import CredentialedClient, OriginCredential
from apps.web.document import HtmlDocument
from apps.web.frontier import Frontier
from apps.web.http import FetchError
from apps.web.http.errors import UNREACHABLE_CODES
from apps.web.robots import RobotsPolicy, fetch_robots
from apps.web.sitemap import SitemapResult, collect_sitemap_urls
from apps.web.urls import normalize_url, origin

PREFLIGHT_TIMEOUT_S = 20.0
PREFLIGHT_SITEMAP_FILES = 3


@dataclass
class Preflight:
    url: str
    address: str
    robots: RobotsPolicy
    start_allowed: bool
    sitemap: SitemapResult | None = None
    start_status: int | None = None
    start_error: str | None = None
    start_fetch_ms: int | None = None
    start_final_url: str | None = None
    first_level: list[str] = field(default_factory=list)  # admitted links of the start page
    sitemap_urls: list[str] = field(default_factory=list)  # admitted URLs of the sitemap
    gap_seconds: float = 0.0

    @property
    def robots_unreachable(self) -> bool:
        return self.robots.error in UNREACHABLE_CODES

    @property
    def sitemap_count(self) -> int:
        return len(self.sitemap_urls)

    @property
    def first_level_links(self) -> int:
        return len(self.first_level)

    @property
    def candidate_pages(self) -> int:
        urls = {self.url, *self.first_level, *self.sitemap_urls}
        return len(urls)

    def as_dict(self) -> dict:
        return {
            "address": self.address,
            "robots": {"url": self.robots.robots_url, "status": self.robots.status,
                       "description": self.robots.description,
                       "start_allowed": self.start_allowed,
                       "crawl_delay": self.robots.crawl_delay},
            "sitemap": {"found": bool(self.sitemap and self.sitemap.files),
                        "files": list(self.sitemap.files) if self.sitemap else [],
                        "urls": self.sitemap_count},
        }

    def start_dict(self) -> dict:
        return {"status": self.start_status, "error": self.start_error,
                "fetch_ms": self.start_fetch_ms, "final_url": self.start_final_url}


def run_preflight(url: str, options: AnalysisOptions, *, address: str,
                  credential_headers: dict[str, str] | None, fetch_start: bool) -> Preflight:
    crawl = options.crawl_options()
    credential = (OriginCredential(origin=origin(url), headers=credential_headers)
                  if credential_headers else None)
    with guarded_client(user_agent=crawl.user_agent, total_timeout=PREFLIGHT_TIMEOUT_S,
                        read_timeout=PREFLIGHT_TIMEOUT_S) as guarded:
        client = CredentialedClient(guarded, credential)
        robots = fetch_robots(client, url, crawl.user_agent)
        allowed = robots.allowed(url) if crawl.respect_robots else True
        found = Preflight(url=url, address=address, robots=robots, start_allowed=allowed)
        if found.robots_unreachable:
            return found
        delay = robots.crawl_delay if crawl.respect_robots and robots.crawl_delay else 0.0
        found.gap_seconds = max(crawl.delay_ms / 1000, min(delay, MAX_CRAWL_DELAY_S))
        if crawl.use_sitemap:
            found.sitemap = collect_sitemap_urls(
                client, url, robots.sitemaps, max_files=PREFLIGHT_SITEMAP_FILES,
                allowed=robots.allowed if crawl.respect_robots else None)
            found.sitemap_urls = _admitted(found.sitemap.urls, url, crawl, robots)
        if fetch_start and allowed:
            _fetch_start(client, found, crawl)
    return found


def _fetch_start(client, found: Preflight, crawl) -> None:
    try:
        result = client.get(found.url, follow_redirects=True)
    except FetchError as exc:
        found.start_error = exc.code
        return
    found.start_status, found.start_fetch_ms = result.status, result.elapsed_ms
    found.start_final_url = result.final_url
    if not result.is_html_document:
        return
    text, _ = decode_html(result.body, result.headers.get("content-type"))
    document = HtmlDocument.parse(text, result.final_url)
    if document is not None:
        site = normalize_url(result.final_url) or found.url
        found.first_level = _admitted(document.links, site, crawl, found.robots)


def _admitted(urls, site_url: str, crawl, robots: RobotsPolicy) -> list[str]:
    """The URLs a crawl of `site_url` would queue at depth 1: the frontier's own rules
    (same site, include/exclude, robots.txt, traps, max_pages) decide."""
    frontier = Frontier(crawl)
    frontier.site_origin = origin(site_url)
    if crawl.respect_robots:
        frontier.robots_allowed = robots.allowed
    frontier.add_start(site_url)
    return [url for url in urls if frontier.offer(url, 1)]
