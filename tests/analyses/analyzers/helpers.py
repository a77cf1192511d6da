"""Builders for analyzer tests: real CrawledPage objects around small HTML fixtures."""

from __future__ import annotations

from apps.analyses.analyzers import Finding, analyze_page
from apps.jobs.crawler.document import HtmlDocument
from apps.jobs.crawler.types import CrawledPage, RedirectHop

URL = "https://example.com/page"


def html_doc(body: str = "", *, head: str | None = None, lang: str | None = "en") -> str:
    """A page that passes every rule except what `body`/`head` add (or leave out)."""
    if head is None:
        head = (
            "<title>A descriptive page title</title>"
            '<meta name="description" content="What this page is about.">'
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
    return CrawledPage(
        url=url,
        depth=0,
        final_url=final,
        status=status,
        content_type="text/html",
        headers=headers or {},
        redirects=redirects or [],
        document=HtmlDocument.parse(html, final) if html is not None else None,
    )


def findings(rule_id: str, html: str | None, **page_kwargs) -> list[Finding]:
    """What the full analyzer reports for `rule_id` on this page."""
    return [f for f in analyze_page(make_page(html, **page_kwargs)) if f.rule_id == rule_id]


def body_findings(rule_id: str, body: str) -> list[Finding]:
    return findings(rule_id, html_doc(body))
