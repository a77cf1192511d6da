"""SEO rules for one page, modelled on Lighthouse's SEO audits where one exists.

`document-title` and `image-alt` live in accessibility.py and count in the SEO
category as well (as in Lighthouse), so a page without a title yields one finding
that both categories see.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from lxml import etree

from apps.analyses.analyzers.base import (
    MINOR,
    MODERATE,
    SEO,
    SERIOUS,
    Issue,
    PageContext,
    page_rule,
)
from apps.web.directives import GENERIC, SEARCH_ENGINE_BOTS, DirectiveSource
from apps.web.urls import normalize_url

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
    categories=(SEO,),
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
    categories=(SEO,),
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
    categories=(SEO,),
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
            for el in page.elements("meta")
            if (el.get("name") or "").strip().lower() == "description"
        )
        yield Issue("The meta description is empty.", element=meta)


@page_rule(
    id="multiple-h1",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="Page has more than one <h1>",
    help="Use a single <h1> for the page's main topic and h2-h6 below it.",
    help_url=GOOGLE_HEADINGS_DOCS,
)
def multiple_h1(page: PageContext) -> Iterator[Issue]:
    """One finding per extra <h1>, each pointing at the element to demote."""
    h1s = page.elements("h1")
    for position, h1 in enumerate(h1s[1:], start=2):
        yield Issue(f"This is <h1> number {position} of {len(h1s)} on the page.", element=h1)


@page_rule(
    id="missing-h1",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="Page has no <h1>",
    help="Add one <h1> stating the page's main topic.",
    help_url=GOOGLE_HEADINGS_DOCS,
)
def missing_h1(page: PageContext) -> Iterator[Issue]:
    if not page.elements("h1"):
        yield Issue("The page has no <h1> element.")


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


@page_rule(
    id="is-crawlable",
    categories=(SEO,),
    severity=SERIOUS,
    tags=("seo",),
    title="Page is blocked from indexing",
    help="Remove noindex from the robots meta tag and the X-Robots-Tag header if the page "
    "should appear in search results.",
    help_url=_lighthouse("seo/is-crawlable"),
    requires_document=False,
)
def is_crawlable(page: PageContext) -> Iterator[Issue]:
    """Lighthouse's is-crawlable (core/audits/seo/is-crawlable.js): the page fails only
    when every crawler Lighthouse asks about (the generic one, Googlebot, bingbot,
    DuckDuckBot, archive.org_bot) is told ``noindex``/``none`` or an
    ``unavailable_after`` date that has passed. Directives come from the one parser
    in apps.web.directives (meta robots, bot-specific metas, every X-Robots-Tag
    line). Not judged: robots.txt, since the crawler never fetches a disallowed page.
    """
    if page.robots is None or page.status is None or not 200 <= page.status < 300:
        return
    now = datetime.now(UTC)
    blocking_by_agent = [
        [s for s in page.robots.for_agent(agent).sources if _blocks_indexing(s, now)]
        for agent in (GENERIC, *SEARCH_ENGINE_BOTS)
    ]
    if not all(blocking_by_agent):
        return
    blocking = list(dict.fromkeys(s for sources in blocking_by_agent for s in sources))
    described = [
        f'<meta name="{s.agent}" content="{s.raw}">' if s.kind == "meta"
        else f"the X-Robots-Tag header ({s.raw})"
        for s in blocking
    ]
    message = "The page is blocked from indexing by " + " and ".join(described) + "."
    meta = next((s for s in blocking if s.kind == "meta" and s.element is not None), None)
    if meta is not None:
        yield Issue(message, element=meta.element)
    else:
        yield Issue(message, snippet=f"X-Robots-Tag: {blocking[0].raw}")


@page_rule(
    id="http-status-code",
    categories=(SEO,),
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
    categories=(SEO,),
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
    categories=(SEO,),
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
