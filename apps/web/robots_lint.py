"""robots.txt validity as Lighthouse's robots-txt audit judges it.

Follows core/audits/seo/robots-txt.js: each line, comment stripped, must be empty
or `directive: value` with a directive from its safelist; sitemap values must be
absolute http(s)/ftp URLs; user-agent needs a value; allow/disallow patterns are
empty or start with "/" or "*" and use "$" only at the end; allow/disallow before
any user-agent line is an error. Pure Python; no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

DIRECTIVE_SAFELIST = frozenset({
    "user-agent", "disallow",  # standard
    "allow", "sitemap",  # universally supported
    "crawl-delay",  # yahoo, bing, yandex
    "clean-param", "host",  # yandex
    "request-rate", "visit-time", "noindex", "content-signal", "license",  # used in the wild
})
_GROUP_MEMBERS = ("allow", "disallow")
_SITEMAP_SCHEMES = ("http", "https", "ftp")


@dataclass(frozen=True)
class RobotsError:
    line_number: int  # 1-based
    line: str
    message: str


def _directive_problem(name: str, value: str) -> str | None:
    if name not in DIRECTIVE_SAFELIST:
        return "Unknown directive"
    if name == "sitemap":
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (raises for a port out of range, as new URL() does)
        except ValueError:
            return "Invalid sitemap URL"
        if not parts.scheme or not (parts.netloc or parts.path):
            return "Invalid sitemap URL"
        if parts.scheme.lower() not in _SITEMAP_SCHEMES:
            return "Invalid sitemap URL protocol"
    if name == "user-agent" and not value:
        return "No user-agent specified"
    if name in _GROUP_MEMBERS:
        if value and value[0] not in "/*":
            return 'Pattern should either be empty, start with "/" or "*"'
        if "$" in value and value.index("$") != len(value) - 1:
            return '"$" should only be used at the end of the pattern'
    return None


def validate_robots_txt(text: str) -> list[RobotsError]:
    """Every error Lighthouse's validator reports, with its line number."""
    errors: list[RobotsError] = []
    in_group = False
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if ":" not in line:
            errors.append(RobotsError(number, raw, "Syntax not understood"))
            continue
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        problem = _directive_problem(name, value)
        if problem:
            errors.append(RobotsError(number, raw, problem))
            continue
        if name == "user-agent":
            in_group = True
        elif not in_group and name in _GROUP_MEMBERS:
            errors.append(RobotsError(number, raw, "No user-agent specified"))
    return errors
