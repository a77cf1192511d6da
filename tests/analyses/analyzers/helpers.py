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
