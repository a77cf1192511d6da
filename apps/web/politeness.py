"""How the crawler paces itself toward one host, and how it answers "slow down".

Plain Python (no Django). The rules, and why each exists:

* **A minimum gap between request starts per host** (`CrawlOptions.delay_ms`, raised by
  a robots.txt `Crawl-delay`, capped at `MAX_CRAWL_DELAY_S`). Workers reserve slots under
  a lock and sleep outside it, so concurrency never turns into a burst.
* **429 and 503 hold the host** (RFC 9110 §15.6.4 503 Service Unavailable, RFC 6585 §4
  429 Too Many Requests). With a `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an
  HTTP-date) no request to that host *starts* before the time it names, whichever worker
  sends it: a worker already sleeping towards its slot checks again when it wakes. A
  wait longer than `MAX_RETRY_AFTER_S` is cut to that cap (a crawl cannot sit out an
  hour), and then the request is not retried, so the server is not asked again sooner
  than it wished about the same URL. Without a usable `Retry-After`, the wait is a
  bounded exponential backoff (`DEFAULT_BACKOFF_S`, doubled each attempt), as Scrapy's
  retry middleware and most crawlers do for these statuses.
* **Bounded retries.** A refused request is tried again at most `MAX_RETRIES` times;
  after that its last answer (429 or 503) is what the caller gets and records.
* **A 429 also widens the host's gap for the rest of the crawl**: doubled, at least
  `RATE_LIMITED_MIN_GAP_S`, at most `MAX_CRAWL_DELAY_S`. A 429 says we were too fast; a
  503 says the service is down, which a slower pace does not fix, so it only holds.
* **Every slowdown is reported** as a `Slowdown` so the job's log can say when and why
  the crawl went slower than asked. It names the host (``name:port``, never userinfo,
  path or query, which may carry secrets).
* **stop() cuts every wait short**: all sleeps are the stop event's wait.
"""

from __future__ import annotations

import calendar
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_tz
from typing import Literal
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_BACKOFF_S",
    "MAX_CRAWL_DELAY_S",
    "MAX_RETRIES",
    "MAX_RETRY_AFTER_S",
    "RATE_LIMITED_MIN_GAP_S",
    "RETRY_STATUSES",
    "HostThrottle",
    "Slowdown",
    "host_of",
    "parse_retry_after",
]

MAX_CRAWL_DELAY_S = 10.0  # a robots.txt Crawl-delay above this would make crawls useless
#: The longest one Retry-After holds a host; a server asking for more gets this, and the
#: request it refused is not retried.
MAX_RETRY_AFTER_S = 60.0
#: Answers that mean "not now": the request is retried after the wait.
RETRY_STATUSES = frozenset({429, 503})
MAX_RETRIES = 2  # so at most three requests for one URL
DEFAULT_BACKOFF_S = 1.0  # the first wait without a usable Retry-After; doubles per attempt
RATE_LIMITED_MIN_GAP_S = 0.5  # the least gap between request starts after a 429

SlowdownReason = Literal["retry-after", "backoff", "crawl-delay"]


def host_of(url: str) -> str:
    """The host a URL's requests are paced by: ``name:port`` as written, lower-cased,
    without userinfo (which the guarded client refuses anyway, and which must never
    reach a log)."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` field value, or None when absent
    or unusable.

    RFC 9110 §10.2.3: ``Retry-After = HTTP-date / delay-seconds``, delay-seconds being
    ``1*DIGIT``. HTTP-date (§5.6.7) is the IMF-fixdate, and recipients must also accept
    the obsolete RFC 850 and asctime forms; all three are GMT (asctime has no zone and
    is read as GMT too). A date in the past means no wait. `now` is the wall clock
    (``time.time()``) the date is compared with.
    """
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(int(text))
    parsed = parsedate_tz(text)
    if parsed is None:
        return None
    try:
        when = calendar.timegm(parsed[:6]) - (parsed[9] or 0)
    except (OverflowError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def _secs(seconds: float) -> str:
    return f"{seconds:.2g}" if seconds < 1 else f"{round(seconds, 1):g}"


@dataclass(frozen=True)
class Slowdown:
    """The crawl went slower than asked, for one host.

    `seconds` is how long requests to the host were held (Retry-After or backoff), or
    the gap now kept between their starts (crawl-delay). `asked_s` is what the server
    asked for (Retry-After, Crawl-delay) when it named a time; `capped` says it asked for
    more than the maximum. `gap_s` is the host's new gap when this slowdown widened it
    (after a 429). `retry` says the refused request is tried again after the wait.
    """

    host: str
    reason: SlowdownReason
    seconds: float
    status: int | None = None
    asked_s: float | None = None
    capped: bool = False
    gap_s: float | None = None
    retry: bool = False
    requested_gap_s: float = 0.0  # the gap the crawl's own options asked for

    def describe(self) -> str:
        """One sentence for a job's log."""
        if self.reason == "crawl-delay":
            asked = self.asked_s if self.asked_s is not None else self.seconds
            text = (f"robots.txt of {self.host} asks for {_secs(asked)} s between requests "
                    f"(Crawl-delay; the analysis asked for {round(self.requested_gap_s * 1000)}"
                    " ms)")
            if self.capped:
                text += f"; the {_secs(self.seconds)} s maximum is kept"
            return text + "."
        if self.reason == "retry-after":
            asked = self.asked_s if self.asked_s is not None else self.seconds
            text = f"{self.host} asked to wait {_secs(asked)} s ({self.status} Retry-After)"
            if self.capped:
                text += f"; waiting the {_secs(self.seconds)} s maximum"
        else:
            text = (f"{self.host} answered {self.status} without a usable Retry-After; "
                    f"waiting {_secs(self.seconds)} s")
        if self.retry:
            text += ", then the request is tried again"
        elif self.capped:
            text += "; the request is not retried"
        else:
            text += f"; the request keeps its {self.status} after {MAX_RETRIES} retries"
        if self.gap_s is not None:
            text += f"; requests to it now start at least {_secs(self.gap_s)} s apart"
        return text + "."

    def as_dict(self) -> dict:
        return {"host": self.host, "reason": self.reason, "seconds": round(self.seconds, 3),
                "status": self.status, "retry": self.retry,
                "gap_s": round(self.gap_s, 3) if self.gap_s is not None else None}


class HostThrottle:
    """Minimum gap between the *starts* of two requests to the same host, and holds.

    Each caller reserves the next free slot for its host under a lock, then sleeps
    outside it, so concurrent workers queue up politely instead of bursting. A hold
    (`refused`, `hold`) moves every later slot past its end; a caller that reserved a
    slot before the hold came in re-checks when it wakes and queues again behind it.
    The sleep is the stop event's wait (or `sleep`, which must return True when
    stopped), so stop() interrupts it.
    """

    def __init__(
        self,
        default_gap_s: float,
        *,
        stop_event: threading.Event,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], bool] | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.default_gap_s = max(0.0, default_gap_s)
        self._stop = stop_event
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep or stop_event.wait  # returns True when interrupted by stop()
        self._gaps: dict[str, float] = {}
        self._next_start: dict[str, float] = {}
        self._last_start: dict[str, float] = {}
        self._held_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_gap(self, host: str, seconds: float) -> None:
        """From now on requests to `host` start at least `seconds` apart, counting from
        the last one (so robots.txt's Crawl-delay also spaces the page after it)."""
        with self._lock:
            self._set_gap(host, seconds)

    def _set_gap(self, host: str, seconds: float) -> None:
        self._gaps[host] = seconds = max(0.0, seconds)
        last = self._last_start.get(host)
        if last is not None:
            self._next_start[host] = max(self._next_start.get(host, 0.0), last + seconds)

    def gap(self, host: str) -> float:
        return self._gaps.get(host, self.default_gap_s)

    def wait(self, host: str) -> bool:
        """Block until a request to `host` may start; False if the crawl was stopped."""
        while True:
            with self._lock:
                now = self._clock()
                slot = max(now, self._next_start.get(host, now))
                self._next_start[host] = slot + self.gap(host)
                self._last_start[host] = slot
            delay = slot - now
            if delay > 0 and self._sleep(delay):
                return False
            if self._stop.is_set():
                return False
            with self._lock:
                if self._clock() >= self._held_until.get(host, 0.0):
                    return True
            # A hold came in while this caller slept towards its slot: queue again.

    def hold(self, host: str, seconds: float) -> None:
        """No request to `host` starts in the next `seconds`."""
        with self._lock:
            until = self._clock() + max(0.0, seconds)
            self._held_until[host] = max(self._held_until.get(host, 0.0), until)
            self._next_start[host] = max(self._next_start.get(host, 0.0), until)

    def refused(self, host: str, status: int, retry_after: str | None, attempt: int
                ) -> Slowdown:
        """`host` answered `status` (429 or 503) to the `attempt`-th try (0 first) of a
        request: hold it as asked (or back off), widen its gap after a 429, and say
        whether the request is tried again."""
        asked = parse_retry_after(retry_after, now=self._wall_clock())
        retries_left = attempt < MAX_RETRIES
        capped = False
        if asked is None:
            reason: SlowdownReason = "backoff"
            wait = min(DEFAULT_BACKOFF_S * 2 ** attempt, MAX_RETRY_AFTER_S)
            retry = retries_left
        else:
            reason = "retry-after"
            capped = asked > MAX_RETRY_AFTER_S
            wait = min(asked, MAX_RETRY_AFTER_S)
            retry = retries_left and not capped
        self.hold(host, wait)
        new_gap = None
        if status == 429:
            with self._lock:
                gap = self.gap(host)
                widened = max(gap, min(MAX_CRAWL_DELAY_S, max(2 * gap, RATE_LIMITED_MIN_GAP_S)))
                if widened > gap:
                    self._set_gap(host, widened)
                    new_gap = widened
        return Slowdown(host=host, reason=reason, seconds=wait, status=status, asked_s=asked,
                        capped=capped, gap_s=new_gap, retry=retry,
                        requested_gap_s=self.default_gap_s)
