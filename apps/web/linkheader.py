"""The HTTP Link header (RFC 8288): `<url>; rel="canonical"; hreflang=de, <...>`.

Search engines read canonical and alternate links from it as from `<link>` in
`<head>`. Pure Python; no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LinkValue:
    """One link of a Link header: its target as written and its parameters
    (lower-cased names, unquoted values; `rel` lower-cased and split)."""

    target: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def rels(self) -> tuple[str, ...]:
        return tuple(self.params.get("rel", "").lower().split())


def parse_link_header(value: str) -> list[LinkValue]:
    """Every link in one Link header value, in order; malformed parts are skipped.

    A small scanner rather than a regex, so that quoted parameter values may hold
    commas and semicolons (`title="a;b, c"`)."""
    text, i, links = value or "", 0, []
    while True:
        start = text.find("<", i)
        if start < 0:
            return links
        end = text.find(">", start)
        if end < 0:
            return links
        target, i, params = text[start + 1:end].strip(), end + 1, {}
        while i < len(text) and text[i] != ",":
            if text[i] != ";":
                i += 1
                continue
            match = _NAME.match(text, i + 1)
            name, i = match.group(1).lower(), match.end()
            param = ""
            if i < len(text) and text[i] == "=":
                i += 1
                while i < len(text) and text[i] in " \t":
                    i += 1
                if i < len(text) and text[i] == '"':
                    i, param = _quoted(text, i + 1)
                else:
                    match = _TOKEN.match(text, i)
                    param, i = match.group(0).strip(), match.end()
            if name:
                params.setdefault(name, param)
        links.append(LinkValue(target, params))
        i += 1


_NAME = re.compile(r"\s*([^\s=;,]*)\s*")
_TOKEN = re.compile(r"[^;,]*")


def _quoted(text: str, i: int) -> tuple[int, str]:
    """The quoted string starting after its opening quote: (index after it, value)."""
    out = []
    while i < len(text) and text[i] != '"':
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return i + 1, "".join(out)
