"""Page facts: the few values of a page that site rules compare across pages.

Site rules run after the crawl over stored summaries, without page bodies. What
they need from each body (description, h1 texts, canonical, indexability, link
texts) is extracted here once, while the page is parsed, and stored with the page
as a small JSON object. Pure Python; no Django.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from apps.web.linkheader import parse_link_header
from apps.web.types import CrawledPage
from apps.web.urls import normalize_url

MAX_ANCHORS = 1000  # link texts kept per page (for broken-link reports)
MAX_RESOURCES = 200  # resource URLs kept per kind and page (for the weight check)
MAX_TEXT = 120  # characters kept of each text
MAX_HEADINGS = 40  # h1-h3 texts kept per page (for persona findability)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def canonical_url(page: CrawledPage) -> str | None:
    """The canonical URL search engines would read: the first <link rel=canonical>
    in <head> (one in <body> is ignored), else the Link header's; resolved and
    normalised. None when there is none or it is not a valid URL."""
    document = page.document
    if document is not None:
        head = document.tree.find("head")
        for link in head.iter("link") if head is not None else ():
            rels = (link.get("rel") or "").lower().split()
            href = (link.get("href") or "").strip()
            if "canonical" in rels and href:
                return _absolute(document.base_url, href)
    for value in _header_lines(page, "link"):
        for link in parse_link_header(value):
            if "canonical" in link.rels and link.target:
                return _absolute(page.final_url or page.url, link.target)
    return None


def _header_lines(page: CrawledPage, name: str) -> list[str]:
    value = page.headers.get(name)
    return [value] if value else []


def page_facts(page: CrawledPage, now: datetime | None = None) -> dict[str, Any]:
    """The facts of one crawled page (an empty dict for a page without a body)."""
    facts: dict[str, Any] = {}
    if page.robots is not None and page.status is not None and 200 <= page.status < 300:
        facts["noindex"] = bool(page.robots.blocking_indexing(now or datetime.now(UTC)))
    document = page.document
    if document is None:
        return facts
    description = document.meta("description")
    facts["description"] = _clip(description) if description is not None else None
    facts["h1"] = [_clip(el.text_content()) for el in document.tree.iter("h1")][:10]
    facts["headings"] = [_clip(el.text_content()) for el in document.tree.iter("h1", "h2", "h3")
                         ][:MAX_HEADINGS]
    facts["modified"] = modified_date(page)
    facts["canonical"] = canonical_url(page)
    anchors: dict[str, str] = {}
    for anchor in document.anchors:
        if anchor.url and anchor.url not in anchors:
            anchors[anchor.url] = _clip(anchor.text)
            if len(anchors) >= MAX_ANCHORS:
                break
    facts["anchors"] = anchors
    facts["resources"] = resources(document)
    return facts


def modified_date(page: CrawledPage) -> str | None:
    """When the page says it last changed, as an ISO date: `article:modified_time`,
    then `article:published_time` (Open Graph), then the Last-Modified header."""
    document = page.document
    candidates = []
    if document is not None:
        for prop in ("article:modified_time", "article:published_time"):
            for el in document.tree.iter("meta"):
                if (el.get("property") or "").strip().lower() == prop and el.get("content"):
                    candidates.append(el.get("content").strip())
    for value in candidates:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            continue
    header = page.headers.get("last-modified")
    if header:
        try:
            return parsedate_to_datetime(header).date().isoformat()
        except (TypeError, ValueError):
            return None
    return None


def _absolute(base: str, value: str) -> str | None:
    """`value` resolved against `base` and normalised; None when it is no URL."""
    try:
        return normalize_url(urljoin(base, value))
    except ValueError:
        return None


def _resolve(document, value: str | None) -> str | None:
    value = (value or "").strip()
    if not value or value.startswith(("data:", "javascript:", "#")):
        return None
    return _absolute(document.base_url, value)


def resources(document) -> dict[str, list[str]]:
    """What the page makes a browser download, by kind: <img src>, <script src>,
    stylesheets and preloaded fonts (fonts named only inside CSS are not seen)."""
    found: dict[str, dict[str, None]] = {"images": {}, "scripts": {}, "stylesheets": {},
                                         "fonts": {}}
    for el in document.tree.iter("img", "script", "link"):
        if el.tag == "img":
            kind, url = "images", _resolve(document, el.get("src"))
        elif el.tag == "script":
            kind, url = "scripts", _resolve(document, el.get("src"))
        else:
            rels = (el.get("rel") or "").lower().split()
            if "stylesheet" in rels:
                kind = "stylesheets"
            elif "preload" in rels and (el.get("as") or "").lower() == "font":
                kind = "fonts"
            else:
                continue
            url = _resolve(document, el.get("href"))
        if url:
            found[kind][url] = None
    return {kind: list(urls)[:MAX_RESOURCES] for kind, urls in found.items()}


def page_weight(facts: dict[str, Any], html_bytes: int, sizes: dict[str, int | None]
                ) -> dict[str, int]:
    """Bytes the page costs where sizes are known: its HTML plus every resource whose
    size the check learnt (`sizes`: URL -> bytes or None)."""
    urls = [u for kind in (facts.get("resources") or {}).values() for u in kind]
    known = [sizes[u] for u in urls if sizes.get(u) is not None]
    return {"html_bytes": html_bytes, "resources": len(urls), "resources_sized": len(known),
            "total_bytes": html_bytes + sum(known)}
