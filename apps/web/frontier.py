"""The crawl frontier: which URLs get queued, in what order, and why others do not.

The frontier is a FIFO queue, so popping it yields URLs breadth-first: every URL
of depth d is queued (while the pages of depth d-1 are processed) before any URL
of depth d+1. Each URL is judged once; a rejected URL is recorded in `skipped`
with a short reason, so the crawl log can say why a page is missing.

Traps (endless calendars, session ids, faceted search) are bounded three ways on
top of max_pages/max_depth: a maximum URL length, a maximum number of distinct
URLs per path (query-string variants) and a hard cap on what is ever accepted.

The frontier is not thread-safe: the crawler touches it from one thread only.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from apps.web.types import CrawlOptions, PageSource
from apps.web.urls import MAX_URL_LENGTH, origin

MAX_VARIANTS_PER_PATH = 50
MAX_SKIPPED_RECORDED = 10_000

# Reasons recorded in `skipped`.
OFF_SITE = "off-site"
URL_TOO_LONG = "url-too-long"
OVER_DEPTH = "over-depth"
EXCLUDED = "excluded"
NOT_INCLUDED = "not-included"
ROBOTS_DISALLOWED = "robots-disallowed"
TOO_MANY_VARIANTS = "too-many-variants"
MAX_PAGES = "max-pages"


@dataclass(frozen=True)
class QueueItem:
    """A URL waiting to be crawled."""

    url: str  # normalised
    depth: int
    source: PageSource = "link"
    referrer: str | None = None


def compile_patterns(patterns: list[str], what: str) -> list[re.Pattern[str]]:
    """Compile include/exclude regexes, naming the bad one in the error."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ValueError(f"invalid {what} pattern {pattern!r}: {exc}") from exc
    return compiled


def path_key(url: str) -> str:
    """The URL without its query string: what query variants are counted against."""
    return url.split("?", 1)[0]


class Frontier:
    """Breadth-first queue with the crawl's admission rules."""

    def __init__(
        self,
        options: CrawlOptions,
        *,
        max_url_length: int = MAX_URL_LENGTH,
        max_variants_per_path: int = MAX_VARIANTS_PER_PATH,
        max_skipped_recorded: int = MAX_SKIPPED_RECORDED,
    ) -> None:
        self.options = options
        self.max_url_length = max_url_length
        self.max_variants_per_path = max_variants_per_path
        self.max_skipped_recorded = max_skipped_recorded
        self.include = compile_patterns(options.include, "include")
        self.exclude = compile_patterns(options.exclude, "exclude")
        # Set by the crawler once the start page's redirects are known.
        self.site_origin: str | None = None
        # robots.txt check for same-site URLs; None means "not enforced".
        self.robots_allowed: Callable[[str], bool] | None = None

        self.accepted = 0  # URLs ever admitted (and not later withdrawn); capped at max_pages
        self.skipped: list[tuple[str, str]] = []  # (url, reason), first max_skipped_recorded
        self.skipped_counts: Counter[str] = Counter()  # reason -> number of URLs, uncapped
        self._pending: deque[QueueItem] = deque()
        self._pending_urls: set[str] = set()
        self._seen: set[str] = set()
        self._skipped_urls: set[str] = set()
        self._variants: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._pending_urls)

    def seen(self, url: str) -> bool:
        return url in self._seen

    def add_start(self, url: str) -> QueueItem:
        """Queue the start URL: it bypasses include/exclude and depth (it is the root)."""
        item = QueueItem(url=url, depth=0, source="start")
        self._admit(item)
        return item

    def offer(
        self, url: str, depth: int, *, source: PageSource = "link", referrer: str | None = None
    ) -> bool:
        """Queue `url` if the crawl rules admit it; True when it was queued now.

        A URL seen before (queued, crawled or rejected) is ignored silently.
        """
        if url in self._seen:
            return False
        reason = self._rejection(url, depth)
        if reason == MAX_PAGES:
            # Not remembered as seen: a slot may free up when a queued URL is withdrawn.
            self._skip(url, reason)
            return False
        if reason is not None:
            self._seen.add(url)
            self._skip(url, reason)
            return False
        self._admit(QueueItem(url=url, depth=depth, source=source, referrer=referrer))
        return True

    def cover(self, url: str) -> bool:
        """Mark `url` as handled elsewhere (a redirect chain reached it).

        If it was waiting in the queue it is withdrawn and its max_pages slot freed;
        returns True in that case.
        """
        self._seen.add(url)
        if url in self._pending_urls:
            self._pending_urls.discard(url)
            self.release()
            return True
        return False

    def release(self) -> None:
        """Give back one max_pages slot (an admitted URL that will not be reported)."""
        self.accepted = max(0, self.accepted - 1)

    def pop(self) -> QueueItem | None:
        """Next URL in breadth-first order, or None when the queue is empty."""
        while self._pending:
            item = self._pending.popleft()
            if item.url in self._pending_urls:
                self._pending_urls.discard(item.url)
                return item
        return None

    def peek(self) -> QueueItem | None:
        """The URL `pop` would return next, left in the queue."""
        while self._pending and self._pending[0].url not in self._pending_urls:
            self._pending.popleft()  # withdrawn by `cover`
        return self._pending[0] if self._pending else None

    def drain(self) -> list[QueueItem]:
        """Remove and return everything still queued (e.g. when the page budget is spent)."""
        items = []
        while (item := self.pop()) is not None:
            items.append(item)
        return items

    def record_skip(self, url: str, reason: str) -> None:
        """Record a URL the crawler itself decided not to fetch (e.g. a redirect target)."""
        self._skip(url, reason)

    # -- internals -------------------------------------------------------------------

    def _rejection(self, url: str, depth: int) -> str | None:
        if self.site_origin is not None and origin(url) != self.site_origin:
            return OFF_SITE
        if len(url) > self.max_url_length:
            return URL_TOO_LONG
        if depth > self.options.max_depth:
            return OVER_DEPTH
        if any(p.search(url) for p in self.exclude):
            return EXCLUDED
        if self.include and not any(p.search(url) for p in self.include):
            return NOT_INCLUDED
        if self.robots_allowed is not None and not self.robots_allowed(url):
            return ROBOTS_DISALLOWED
        if self._variants[path_key(url)] >= self.max_variants_per_path:
            return TOO_MANY_VARIANTS
        if self.accepted >= self.options.max_pages:
            return MAX_PAGES
        return None

    def _admit(self, item: QueueItem) -> None:
        if item.url in self._skipped_urls:  # was over the page budget, a slot freed since
            self._unskip(item.url)
        self._seen.add(item.url)
        self._variants[path_key(item.url)] += 1
        self.accepted += 1
        self._pending.append(item)
        self._pending_urls.add(item.url)

    def _unskip(self, url: str) -> None:
        self._skipped_urls.discard(url)
        for index, (skipped_url, reason) in enumerate(self.skipped):
            if skipped_url == url:
                del self.skipped[index]
                self.skipped_counts[reason] -= 1
                return
        self.skipped_counts[MAX_PAGES] -= 1  # recorded beyond the list's cap

    def _skip(self, url: str, reason: str) -> None:
        if url in self._skipped_urls:
            return
        self._skipped_urls.add(url)
        self.skipped_counts[reason] += 1
        if len(self.skipped) < self.max_skipped_recorded:
            self.skipped.append((url, reason))
