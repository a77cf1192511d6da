"""Builders for analyzer tests: real CrawledPage objects around small HTML fixtures."""

from __future__ import annotations

from apps.analyses.analyzers import Finding, analyze_page
from apps.web.directives import SEARCH_ENGINE_BOTS, RobotsDirectives
from apps.web.document import HtmlDocument
from apps.web.types import CrawledPage, RedirectHop

URL = "https://example.com/page"


# A meta description within seo.py's bounds (70-155 characters) and the social tags
# open-graph and twitter-card ask for, so that the default page passes every rule.
PASSING_DESCRIPTION = (
    "What this page is about, in one or two plain sentences that a search result can show."
)
SOCIAL_METAS = (
    '<meta property="og:title" content="A descriptive page title">'
    '<meta property="og:type" content="website">'
    '<meta property="og:image" content="https://example.com/card.png">'
    '<meta property="og:url" content="https://example.com/">'
    '<meta name="twitter:card" content="summary">'
)


#: Main content long enough not to be thin (over 200 words), in plain English.
PROSE = (
    "<p>Our town library opened its new reading room this spring, and the first weeks "
    "have been busier than anyone expected. Families come in the morning for the story "
    "hour, students take the long tables in the afternoon, and older readers stay late "
    "with the newspapers and a cup of tea from the small kitchen by the entrance.</p>"
    "<p>The room was built with money raised by neighbours over three years. They held "
    "book sales, ran a summer fair and asked local shops to give what they could. The "
    "builders kept the old brick walls and added tall windows facing the river, so the "
    "light is soft for most of the day and the lamps are rarely needed before evening.</p>"
    "<p>Librarians say the most popular shelves are the travel guides, the cookery books "
    "and the growing collection of graphic novels. Children borrow picture books by the "
    "armful, and the staff now run a weekly club where teenagers review new titles for "
    "each other. Anyone who lives or works in the town can join for free with a proof "
    "of address, and cards are ready the same day.</p>"
    "<p>Opening hours are nine to seven on weekdays and ten to four on Saturdays. The "
    "library is closed on Sundays and public holidays, but the returns box by the door "
    "is open at all times, and renewals can be made by telephone during opening hours.</p>"
)


def html_doc(body: str = "", *, head: str | None = None, lang: str | None = "en") -> str:
    """A page that passes every rule except what `body`/`head` add (or leave out)."""
    if head is None:
        head = (
            "<title>A descriptive page title</title>"
            f'<meta name="description" content="{PASSING_DESCRIPTION}">'
            + SOCIAL_METAS
        )
    lang_attr = f' lang="{lang}"' if lang is not None else ""
    return f"<!doctype html><html{lang_attr}><head>{head}</head><body>{body}</body></html>"


def make_page(
    html: str | None,
    *,
    url: str = URL,
    final_url: str | None = None,
    status: int | None = 200,
    headers: dict[str, str] | None = None,
    redirects: list[RedirectHop] | None = None,
) -> CrawledPage:
    final = final_url or url
    headers = headers or {}
    document = HtmlDocument.parse(html, final) if html is not None else None
    # As the crawler does: every response's robots directives, parsed once.
    robots = RobotsDirectives.parse(
        document.named_metas if document is not None else (),
        [headers["x-robots-tag"]] if "x-robots-tag" in headers else [],
        agents=("sitelensbot", *SEARCH_ENGINE_BOTS),
    )
    return CrawledPage(
        url=url,
        depth=0,
        final_url=final,
        status=status,
        content_type="text/html",
        headers=headers,
        redirects=redirects or [],
        document=document,
        robots=robots if status is not None else None,
    )


def findings(rule_id: str, html: str | None, **page_kwargs) -> list[Finding]:
    """What the full analyzer reports for `rule_id` on this page."""
    return [f for f in analyze_page(make_page(html, **page_kwargs)) if f.rule_id == rule_id]


def body_findings(rule_id: str, body: str) -> list[Finding]:
    return findings(rule_id, html_doc(body))
