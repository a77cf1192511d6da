"""robots.txt handling (RFC 9309) on top of protego.

Protego does the matching (wildcards, longest-match, Allow/Disallow precedence);
this module decides what an unreachable or failing robots.txt means:

* 2xx: parse the file (the first 500 KiB, the RFC's minimum parse limit);
* 4xx: "unavailable", the crawler may access everything. 429 is the exception:
  the server is asking us to slow down, so like Google we treat it as 5xx;
* 5xx, a network error or a blocked address: "unreachable", disallow everything
  (the RFC's "complete disallow"), and keep the reason for the logs;
* redirects are followed by the client; more than it allows counts as
  "unavailable" (RFC 9309 2.3.1.2), i.e. allow all.

Nothing here imports Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol
from urllib.parse import urlsplit

from protego import Protego

from apps.web.http.errors import FetchError
from apps.web.types import FetchResult
from apps.web.urls import origin

MAX_ROBOTS_BYTES = 500 * 1024

RobotsMode = Literal["rules", "allow_all", "disallow_all"]


class HttpClient(Protocol):
    """The part of `GuardedClient` the crawler uses (tests may pass a fake)."""

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = True,
        auth: object = None,
    ) -> FetchResult: ...


def product_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against ("SitelensBot").

    Matching the whole User-Agent string would let a group for e.g. "sitelens"
    match the project URL inside the comment part.
    """
    token = user_agent.strip().split("/", 1)[0].split(" ", 1)[0]
    return token or user_agent


@dataclass
class RobotsPolicy:
    """What one origin's robots.txt allows for our user agent."""

    robots_url: str
    mode: RobotsMode
    status: int | None  # HTTP status of the robots.txt response; None when none was had
    reason: str  # short explanation for logs, e.g. "HTTP 503: unreachable, disallow all"
    user_agent: str = "*"  # product token used for matching
    crawl_delay: float | None = None  # seconds, as given for our group
    sitemaps: list[str] = field(default_factory=list)
    error: str | None = None  # FetchError code when the fetch failed
    text: str | None = None  # the file as fetched (2xx only), for its validity audit
    _parser: Protego | None = field(default=None, repr=False)

    @classmethod
    def from_text(
        cls, text: str, *, robots_url: str, user_agent: str, status: int | None = 200
    ) -> RobotsPolicy:
        """Parse robots.txt content (e.g. from a 2xx response)."""
        token = product_token(user_agent)
        parser = Protego.parse(text)
        delay = parser.crawl_delay(token)
        return cls(
            robots_url=robots_url,
            mode="rules",
            status=status,
            reason=f"HTTP {status}: parsed" if status is not None else "parsed",
            user_agent=token,
            crawl_delay=float(delay) if delay is not None and delay >= 0 else None,
            sitemaps=[s.strip() for s in parser.sitemaps if s.strip()],
            text=text,
            _parser=parser,
        )

    @classmethod
    def allow_all(
        cls, *, robots_url: str, reason: str, status: int | None = None, error: str | None = None
    ) -> RobotsPolicy:
        return cls(
            robots_url=robots_url, mode="allow_all", status=status, reason=reason, error=error
        )

    @classmethod
    def disallow_all(
        cls, *, robots_url: str, reason: str, status: int | None = None, error: str | None = None
    ) -> RobotsPolicy:
        return cls(
            robots_url=robots_url, mode="disallow_all", status=status, reason=reason, error=error
        )

    def allowed(self, url: str) -> bool:
        """May our user agent fetch `url`? Only the path and query are judged.

        A policy belongs to one origin; callers ask it only about URLs of that origin.
        The robots.txt URL itself is always allowed (RFC 9309 2.2.2 note).
        """
        if self.mode == "allow_all":
            return True
        if self.mode == "disallow_all":
            return urlsplit(url).path == "/robots.txt"
        assert self._parser is not None
        return self._parser.can_fetch(url, self.user_agent)

    @property
    def description(self) -> str:
        """One line for the crawl log."""
        parts = [f"{self.robots_url}: {self.reason}"]
        if self.crawl_delay:
            parts.append(f"crawl-delay {self.crawl_delay:g}s")
        if self.sitemaps:
            parts.append(f"{len(self.sitemaps)} sitemap(s)")
        return "; ".join(parts)


def robots_url_for(url: str) -> str:
    """The robots.txt URL governing a normalised http(s) URL."""
    return f"{origin(url)}/robots.txt"


def fetch_robots(client: HttpClient, url: str, user_agent: str) -> RobotsPolicy:
    """Fetch and interpret the robots.txt of `url`'s origin. Never raises FetchError."""
    robots_url = robots_url_for(url)
    try:
        result = client.get(robots_url, follow_redirects=True)
    except FetchError as exc:
        code = getattr(exc, "code", "connection")
        if code == "too_many_redirects":
            return RobotsPolicy.allow_all(
                robots_url=robots_url,
                reason="too many redirects: unavailable, allow all",
                error=code,
            )
        return RobotsPolicy.disallow_all(
            robots_url=robots_url, reason=f"fetch failed ({code}): disallow all", error=code
        )
    return policy_from_response(result, robots_url=robots_url, user_agent=user_agent)


def policy_from_response(result: FetchResult, *, robots_url: str, user_agent: str) -> RobotsPolicy:
    """Apply RFC 9309's status-code rules to a robots.txt response."""
    status = result.status
    if 200 <= status < 300:
        text = result.body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        return RobotsPolicy.from_text(
            text.lstrip("\ufeff"), robots_url=robots_url, user_agent=user_agent, status=status
        )
    if status == 429:
        return RobotsPolicy.disallow_all(
            robots_url=robots_url, status=status, reason="HTTP 429: rate limited, disallow all"
        )
    if 300 <= status < 500:
        return RobotsPolicy.allow_all(
            robots_url=robots_url, status=status, reason=f"HTTP {status}: unavailable, allow all"
        )
    return RobotsPolicy.disallow_all(
        robots_url=robots_url, status=status, reason=f"HTTP {status}: unreachable, disallow all"
    )
