"""Robots directives of one response: ``<meta name="robots">`` and ``X-Robots-Tag``.

One parser for every reader, so the crawler (may it follow this page's links?) and
the SEO rule (may search engines index it?) can never disagree about what a page
says. What it accepts, after Google's robots meta specification
(https://developers.google.com/search/docs/crawling-indexing/robots-meta-tag):

* meta names are case-insensitive; ``robots`` speaks to every crawler, a bot's own
  name (``googlebot``, ``sitelensbot``, ...) to that bot only;
* ``X-Robots-Tag`` may be sent several times; each header line may start with a
  bot's name (``googlebot: noindex``), which then applies to the rest of that line;
  the colon of a valued directive (``unavailable_after: ...``, ``max-snippet: 20``)
  is not a bot name;
* directives are case-insensitive and separated by commas or by white space
  (``content="noindex nofollow"`` is common, and Google reads it as two);
* ``none`` means ``noindex, nofollow``; ``all`` (and ``index``/``follow``) restricts
  nothing. Directives add up: the most restrictive combination of every source that
  applies to a bot is what that bot obeys.

Nothing here imports Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

GENERIC = "robots"
#: The crawlers Lighthouse's is-crawlable audit asks about (besides the generic one).
SEARCH_ENGINE_BOTS = ("googlebot", "bingbot", "duckduckbot", "archive.org_bot")

_VALUED = ("unavailable_after", "max-snippet", "max-image-preview", "max-video-preview")
_AGENT_PREFIX = re.compile(r"^\s*([a-z0-9_.\-]+)\s*:\s*(.*)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class DirectiveSource:
    """One meta tag or one X-Robots-Tag line, with what it says and to whom."""

    kind: Literal["meta", "header"]
    agent: str  # "robots" (every crawler) or a bot's lower-cased name
    directives: frozenset[str]  # lower-cased; "none" already expanded
    raw: str  # the content / header value as written
    values: tuple[tuple[str, str], ...] = ()  # valued directives: ("max-snippet", "20"), ...
    element: object = field(default=None, compare=False)  # the <meta> element, for selectors

    @property
    def noindex(self) -> bool:
        return "noindex" in self.directives

    @property
    def nofollow(self) -> bool:
        return "nofollow" in self.directives


@dataclass(frozen=True)
class Directives:
    """What one bot must obey, combined from every source that applies to it."""

    noindex: bool
    nofollow: bool
    sources: tuple[DirectiveSource, ...]


@dataclass(frozen=True)
class RobotsDirectives:
    """Every robots directive source of a response, parsed once."""

    sources: tuple[DirectiveSource, ...] = ()

    @classmethod
    def parse(
        cls,
        metas: Iterable[tuple[str, str, object]],
        header_values: Iterable[str],
        *,
        agents: Sequence[str] = SEARCH_ENGINE_BOTS,
    ) -> RobotsDirectives:
        """`metas` are (name, content, element) of the page's <meta> tags with a name;
        only ``robots`` and the names in `agents` are robots directives (a meta named
        "description" is not). `header_values` are the X-Robots-Tag lines."""
        wanted = {GENERIC, *(a.lower() for a in agents)}
        sources: list[DirectiveSource] = []
        for name, content, element in metas:
            agent = name.strip().lower()
            if agent in wanted:
                directives, values = _tokens(content or "")
                sources.append(DirectiveSource("meta", agent, directives, content or "",
                                               values, element))
        for value in header_values:
            for agent, (directives, values) in _header_groups(value):
                sources.append(DirectiveSource("header", agent, directives, value, values))
        return cls(tuple(sources))

    def blocking_indexing(
        self, now: datetime, agents: Sequence[str] = (GENERIC, *SEARCH_ENGINE_BOTS)
    ) -> list[DirectiveSource]:
        """The sources that keep the page out of the index, when every one of `agents`
        is told so (noindex/none, or an unavailable_after date that has passed), as
        Lighthouse's is-crawlable decides; [] when some agent may index it."""
        per_agent = [
            [s for s in self.for_agent(agent).sources if _blocks_indexing(s, now)]
            for agent in agents
        ]
        if not all(per_agent):
            return []
        return list(dict.fromkeys(s for sources in per_agent for s in sources))

    def for_agent(self, agent: str) -> Directives:
        """The combined directives for `agent` (generic sources plus its own)."""
        agent = agent.lower()
        applicable = tuple(s for s in self.sources if s.agent in (GENERIC, agent))
        return Directives(
            noindex=any(s.noindex for s in applicable),
            nofollow=any(s.nofollow for s in applicable),
            sources=applicable,
        )


def _tokens(text: str) -> tuple[frozenset[str], tuple[tuple[str, str], ...]]:
    """Directives of one list (comma or white-space separated) and the values of the
    valued ones, which are kept whole (``unavailable_after: 25 Jun 2030 15:00 PST``)."""
    found: set[str] = set()
    values: list[tuple[str, str]] = []
    for piece in text.split(","):
        piece = " ".join(piece.split())
        if not piece:
            continue
        lowered = piece.lower()
        if lowered.startswith(_VALUED) and ":" in piece:
            name, _, value = piece.partition(":")
            found.add(name.strip().lower())
            values.append((name.strip().lower(), value.strip()))
            continue
        found.update(lowered.split(" "))
    if "none" in found:
        found.update({"noindex", "nofollow"})
    return frozenset(found), tuple(values)


def _header_groups(value: str) -> list[tuple[str, tuple[frozenset[str], tuple]]]:
    """Split one X-Robots-Tag line into (agent, directives) groups.

    ``googlebot: noindex, otherbot: nofollow`` is two groups; a line without a bot
    name is one generic group.
    """
    groups: list[tuple[str, list[str]]] = [(GENERIC, [])]
    for piece in value.split(","):
        match = _AGENT_PREFIX.match(piece)
        if match and not match.group(1).lower().startswith(_VALUED):
            groups.append((match.group(1).lower(), [match.group(2)]))
        else:
            groups[-1][1].append(piece)
    return [(agent, _tokens(",".join(parts))) for agent, parts in groups if any(p.strip() for p in parts)]


def _unavailable_after_passed(value: str, now: datetime) -> bool:
    """Whether an ``unavailable_after`` date (RFC 822/850 or ISO 8601) lies in the past."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return False  # Lighthouse: an unparsable date blocks nothing
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when < now


def _blocks_indexing(source: DirectiveSource, now: datetime) -> bool:
    return source.noindex or any(
        name == "unavailable_after" and _unavailable_after_passed(value, now)
        for name, value in source.values
    )
