"""Checking URLs the crawl does not fetch: external links and page resources.

Screaming Frog checks every external link (HEAD, then GET when the server will not
answer HEAD properly) and sums the sizes of each page's resources. Here that work is
bounded: at most `max_urls` URLs, within `budget_s` seconds, each URL once per job
however many pages reference it, through the caller's guarded client (so the
blocked-address and size guards apply). Pure Python; no Django.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from apps.web.http.errors import FetchError

# Statuses after which a HEAD answer is not trusted and the URL is tried with GET:
# servers that refuse HEAD (405, 501) or answer it differently from GET (403, 404...).
_RETRY_WITH_GET = range(400, 600)
_CONTENT_RANGE_TOTAL = re.compile(r"/\s*(\d+)\s*$")


@dataclass(frozen=True)
class LinkStatus:
    """What one checked URL answered."""

    url: str
    status: int | None  # final status after redirects; None when no response
    error: str | None = None  # FetchError code when the request failed
    size: int | None = None  # bytes, from Content-Length or Content-Range, when told
    method: str = "HEAD"

    @property
    def broken(self) -> bool:
        """An error status, or no answer (a refused or malformed target is not a
        broken link but one we may not check: blocked_address, invalid_url)."""
        if self.status is not None:
            return self.status >= 400
        return self.error not in ("blocked_address", "invalid_url", None)


def _size(headers: dict[str, str]) -> int | None:
    match = _CONTENT_RANGE_TOTAL.search(headers.get("content-range", ""))
    if match:
        return int(match.group(1))
    length = headers.get("content-length", "").strip()
    return int(length) if length.isdigit() else None


def check_url(client, url: str) -> LinkStatus:
    """HEAD, then a one-byte ranged GET when HEAD failed or answered 4xx/5xx."""
    try:
        result = client.head(url)
        if result.status not in _RETRY_WITH_GET:
            return LinkStatus(url, result.status, size=_size(result.headers))
    except FetchError as exc:
        if exc.code in ("blocked_address", "invalid_url", "dns"):
            return LinkStatus(url, None, exc.code)
    try:
        result = client.get(url, headers={"Range": "bytes=0-0"})
    except FetchError as exc:
        # Too large means it answered with a body: the link works.
        if exc.code == "too_large":
            return LinkStatus(url, 200, method="GET")
        return LinkStatus(url, None, exc.code, method="GET")
    return LinkStatus(url, result.status, size=_size(result.headers), method="GET")


@dataclass
class CheckReport:
    checked: dict[str, LinkStatus]
    skipped: int  # URLs over the count or time bound, not checked


def check_urls(
    client,
    urls: Iterable[str],
    *,
    max_urls: int,
    budget_s: float,
    concurrency: int = 4,
    on_idle: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CheckReport:
    """Check each distinct URL once, at most `max_urls` of them, starting none after
    `budget_s` seconds; `on_idle` runs while waiting (the job's heartbeat)."""
    pending = list(dict.fromkeys(urls))
    todo, skipped = pending[:max_urls], max(0, len(pending) - max_urls)
    deadline = clock() + budget_s
    checked: dict[str, LinkStatus] = {}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        running: dict[Future, str] = {}
        queue = iter(todo)
        while True:
            while len(running) < concurrency and clock() < deadline:
                url = next(queue, None)
                if url is None:
                    break
                running[pool.submit(check_url, client, url)] = url
            if not running:
                break
            done, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in done:
                url = running.pop(future)
                checked[url] = future.result()
            if on_idle is not None:
                on_idle()
        skipped += sum(1 for _ in queue)
    return CheckReport(checked=checked, skipped=skipped)
