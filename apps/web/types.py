"""Plain data the crawler hands to the rest of Sitelens.

Nothing here imports Django or requests: the crawler, the analyzers and the
persistence shell all speak these dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from apps.web.directives import RobotsDirectives
    from apps.web.document import HtmlDocument

#: The statuses a client follows as redirects (with a Location header).
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: The most redirects followed for one request (RFC 9110 suggests a limit; browsers use ~20).
MAX_REDIRECTS = 5
#: Content types parsed as HTML documents.
HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True)
class RedirectHop:
    """One 3xx response on the way to the final URL."""

    url: str
    status: int


@dataclass
class FetchResult:
    """What the guarded HTTP client returns for one request (after redirects)."""

    url: str  # as requested
    final_url: str  # after following redirects
    status: int
    headers: dict[str, str]  # lower-cased header names
    body: bytes  # decoded (gzip/deflate/br removed), capped
    redirects: list[RedirectHop] = field(default_factory=list)
    elapsed_ms: int = 0
    ip: str = ""  # the address actually connected to (last hop)
    # Every header line as received, in order: headers that may repeat (X-Robots-Tag)
    # must be read one line at a time, not from `headers`, where they are comma-joined.
    header_lines: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False  # the body is the first max_bytes only (a client with truncate)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_html_document(self) -> bool:
        """A 2xx response to parse as HTML: by its content type, or, when it declares
        none, by sniffing the start of the body as browsers do."""
        if not 200 <= self.status < 300:
            return False
        if self.content_type:
            return self.content_type in HTML_CONTENT_TYPES
        head = self.body[:1024].lstrip().lower()
        return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head

    def header_values(self, name: str) -> list[str]:
        """Each value of header `name` (case-insensitive), one per header line."""
        name = name.lower()
        if self.header_lines:
            return [value for key, value in self.header_lines if key.lower() == name]
        value = self.headers.get(name)
        return [value] if value is not None else []


@dataclass
class CrawlOptions:
    max_pages: int = 50
    max_depth: int = 5
    include: list[str] = field(default_factory=list)  # regexes; when given a URL must match one
    exclude: list[str] = field(default_factory=list)  # regexes; a URL matching one is skipped
    respect_robots: bool = True
    use_sitemap: bool = True
    user_agent: str = "SitelensBot/0.1 (+https://github.com/sitelens/sitelens)"
    concurrency: int = 4  # pages in flight at once
    # Minimum gap between the starts of two requests to the same host; a robots.txt
    # Crawl-delay or a 429 may widen it, never narrow it (apps.web.politeness).
    delay_ms: int = 0


PageSource = Literal["start", "link", "sitemap", "redirect"]


@dataclass
class CrawledPage:
    """One URL the crawler attempted, fetched or not."""

    url: str  # normalised URL as queued
    depth: int
    final_url: str = ""
    status: int | None = None  # None when no HTTP response was had
    content_type: str = ""
    redirects: list[RedirectHop] = field(default_factory=list)
    size_bytes: int = 0
    fetch_ms: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    document: HtmlDocument | None = None  # parsed once, only for HTML 2xx pages
    links: list[str] = field(default_factory=list)  # absolute, normalised outlinks (all hosts)
    follow_links: bool = True  # False when meta robots / X-Robots-Tag say nofollow
    robots: RobotsDirectives | None = None  # meta robots + X-Robots-Tag, parsed once
    error: str | None = None  # machine code: timeout, blocked_address, too_large, connection, ...
    source: PageSource = "link"
    referrer: str | None = None  # first page that linked here

    @property
    def is_html(self) -> bool:
        return self.document is not None
