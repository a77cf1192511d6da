"""SEO rules for one page, modelled on Lighthouse's SEO audits where one exists.

`document-title` (missing/empty title) is shared with accessibility and lives
in accessibility.py with an "seo" tag, so a page without a title yields one
finding, not two.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from apps.analyses.analyzers import dom
from apps.analyses.analyzers.base import (
    MINOR,
    MODERATE,
    SEO,
    SERIOUS,
    Issue,
    PageContext,
    page_rule,
)
from apps.jobs.crawler.urls import normalize_url

TITLE_MAX = 60
TITLE_MIN = 10

GOOGLE_TITLE_DOCS = "https://developers.google.com/search/docs/appearance/title-link"
GOOGLE_HEADINGS_DOCS = (
    "https://developers.google.com/search/docs/fundamentals/seo-starter-guide"
    "#use-heading-tags-to-emphasize-important-text"
)


def _lighthouse(path: str) -> str:
    return f"https://developer.chrome.com/docs/lighthouse/{path}"


def _title_element(page: PageContext) -> etree._Element | None:
    """The element HtmlDocument.title reads (first <title> in <head>, else anywhere)."""
    el = page.tree.find(".//head/title")
    return el if el is not None else page.tree.find(".//title")


@page_rule(
    id="title-too-long",
    category=SEO,
    severity=MINOR,
    tags=("seo",),
    title="Title is too long",
    help=f"Keep the <title> under about {TITLE_MAX} characters; search results cut longer ones.",
    help_url=GOOGLE_TITLE_DOCS,
)
def title_too_long(page: PageContext) -> Iterator[Issue]:
    title = page.document.title
    if title and len(title) > TITLE_MAX:
        yield Issue(
            f"The title is {len(title)} characters long (more than {TITLE_MAX}).",
            element=_title_element(page),
        )


@page_rule(
    id="title-too-short",
    category=SEO,
    severity=MINOR,
    tags=("seo",),
    title="Title is too short",
    help=f"Use a descriptive <title> of at least {TITLE_MIN} characters.",
    help_url=GOOGLE_TITLE_DOCS,
)
def title_too_short(page: PageContext) -> Iterator[Issue]:
    """An empty or missing title is document-title's job, not this rule's."""
    title = page.document.title
    if title and len(title) < TITLE_MIN:
        yield Issue(
            f'The title "{title}" is {len(title)} characters long (fewer than {TITLE_MIN}).',
            element=_title_element(page),
        )


@page_rule(
    id="meta-description",
    category=SEO,
    severity=MODERATE,
    tags=("seo",),
    title="Document does not have a meta description",
    help='Add <meta name="description" content="..."> summarising the page for search results.',
    help_url=_lighthouse("seo/meta-description"),
)
def meta_description(page: PageContext) -> Iterator[Issue]:
    content = page.document.meta("description")
    if content is None:
        yield Issue('The page has no <meta name="description">.')
    elif not content.strip():
        meta = next(
            el
            for el in dom.elements(page.tree, "meta")
            if (el.get("name") or "").strip().lower() == "description"
        )
        yield Issue("The meta description is empty.", element=meta)


@page_rule(
    id="multiple-h1",
    category=SEO,
    severity=MINOR,
    tags=("seo",),
    title="Page has more than one <h1>",
    help="Use a single <h1> for the page's main topic and h2-h6 below it.",
    help_url=GOOGLE_HEADINGS_DOCS,
)
def multiple_h1(page: PageContext) -> Iterator[Issue]:
    """One finding per extra <h1>, each pointing at the element to demote."""
    h1s = list(dom.elements(page.tree, "h1"))
    for position, h1 in enumerate(h1s[1:], start=2):
        yield Issue(f"This is <h1> number {position} of {len(h1s)} on the page.", element=h1)


@page_rule(
    id="missing-h1",
    category=SEO,
    severity=MODERATE,
    tags=("seo",),
    title="Page has no <h1>",
    help="Add one <h1> stating the page's main topic.",
    help_url=GOOGLE_HEADINGS_DOCS,
)
def missing_h1(page: PageContext) -> Iterator[Issue]:
    if next(dom.elements(page.tree, "h1"), None) is None:
        yield Issue("The page has no <h1> element.")


_BLOCKING = frozenset({"noindex", "none"})
_ROBOTS_META_NAMES = frozenset({"robots", "googlebot"})
# X-Robots-Tag directives that take a value after a colon (not a user-agent prefix).
_VALUED_DIRECTIVES = frozenset(
    {"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"}
)
_UA_PREFIX = re.compile(r"^([a-z0-9_.\-]+)\s*:\s*(.*)$")


def header_blocks_indexing(value: str) -> bool:
    """Whether an X-Robots-Tag value says noindex/none to all robots or to Googlebot.

    A "otherbot: noindex" prefix applies to that bot only and is ignored,
    matching the meta names checked (robots, googlebot).
    """
    agent: str | None = None
    for part in value.lower().split(","):
        part = part.strip()
        match = _UA_PREFIX.match(part)
        if match and match.group(1) not in _VALUED_DIRECTIVES:
            agent, part = match.group(1), match.group(2).strip()
        if part in _BLOCKING and agent in (None, "googlebot"):
            return True
    return False


@page_rule(
    id="is-indexable",
    category=SEO,
    severity=SERIOUS,
    tags=("seo",),
    title="Page is blocked from indexing",
    help="Remove noindex from the robots meta tag and the X-Robots-Tag header if the page "
    "should appear in search results.",
    help_url=_lighthouse("seo/is-crawlable"),
)
def is_indexable(page: PageContext) -> Iterator[Issue]:
    metas = [
        el
        for el in dom.elements(page.tree, "meta")
        if (el.get("name") or "").strip().lower() in _ROBOTS_META_NAMES
        and _BLOCKING & set(re.split(r"[\s,]+", (el.get("content") or "").strip().lower()))
    ]
    header = page.headers.get("x-robots-tag", "")
    header_blocks = bool(header) and header_blocks_indexing(header)
    if not metas and not header_blocks:
        return
    sources = [f'<meta name="{el.get("name")}" content="{el.get("content")}">' for el in metas]
    if header_blocks:
        sources.append(f"the X-Robots-Tag header ({header})")
    message = "The page is blocked from indexing by " + " and ".join(sources) + "."
    if metas:
        yield Issue(message, element=metas[0])
    else:
        yield Issue(message, snippet=f"X-Robots-Tag: {header}")


@page_rule(
    id="http-status-code",
    category=SEO,
    severity=SERIOUS,
    tags=("seo",),
    title="Page has an unsuccessful HTTP status code",
    help="Serve the page with a 2xx status, or fix or remove the links that lead here.",
    help_url=_lighthouse("seo/http-status-code"),
    requires_document=False,
)
def http_status_code(page: PageContext) -> Iterator[Issue]:
    if page.status is not None and page.status >= 400:
        yield Issue(f"The page returned HTTP {page.status}.")


@page_rule(
    id="redirect",
    category=SEO,
    severity=MINOR,
    tags=("seo",),
    title="URL redirects",
    help="Link to the final URL directly; each redirect costs a round trip.",
    help_url=_lighthouse("performance/redirects"),
    requires_document=False,
)
def redirect(page: PageContext) -> Iterator[Issue]:
    if page.redirects:
        first = page.redirects[0]
        hops = len(page.redirects)
        yield Issue(
            f"{page.url} redirects ({first.status}) to {page.final_url}"
            + (f" through {hops} redirects." if hops > 1 else ".")
        )


# Lighthouse's English list (core/audits/seo/link-text.js) plus "continue".
NON_DESCRIPTIVE_LINK_TEXTS = frozenset(
    {
        "click here",
        "click this",
        "go",
        "here",
        "information",
        "learn more",
        "more",
        "more info",
        "more information",
        "right here",
        "read more",
        "see more",
        "start",
        "this",
        "continue",
        "continue reading",
    }
)
# Decoration around the words ("Read more »", "More…") does not make them descriptive.
_TEXT_DECORATION = " \t\n.…:;!?»«›‹<>→←-–—|"


@page_rule(
    id="link-text",
    category=SEO,
    severity=MINOR,
    tags=("seo",),
    title="Link does not have descriptive text",
    help='Use link text that says where the link goes instead of "click here" or "read more".',
    help_url=_lighthouse("seo/link-text"),
)
def link_text(page: PageContext) -> Iterator[Issue]:
    """Like Lighthouse: skips nofollow links, non-crawlable hrefs (javascript:,
    mailto:, fragment-only...) and links back to this same page."""
    own_url = normalize_url(page.document.url)
    for anchor in page.document.anchors:
        if anchor.url is None or anchor.url == own_url:
            continue
        if "nofollow" in (anchor.element.get("rel") or "").lower().split():
            continue
        text = anchor.text.strip(_TEXT_DECORATION).lower()
        if text in NON_DESCRIPTIVE_LINK_TEXTS and not page.is_hidden(anchor.element):
            yield Issue(
                f'Link text "{anchor.text}" does not describe its target.', element=anchor.element
            )
