"""Site rules: checks that need several pages, run over `PageSummary` objects.

Summaries carry no body, so these rules work the same on a fresh crawl and on
pages loaded back from the database for a resumed job.
"""

from __future__ import annotations

from collections.abc import Iterator

from apps.analyses.analyzers.base import (
    LINKS,
    MODERATE,
    SEO,
    SERIOUS,
    Issue,
    PageSummary,
    SiteContext,
    site_rule,
)

MAX_LISTED_URLS = 10


def _list_urls(urls: list[str]) -> str:
    shown = ", ".join(urls[:MAX_LISTED_URLS])
    extra = len(urls) - MAX_LISTED_URLS
    return shown + (f" and {extra} more" if extra > 0 else "")


@site_rule(
    id="duplicate-title",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="Several pages share the same title",
    help="Give every page its own title so search results and tabs tell them apart.",
    help_url="https://developers.google.com/search/docs/appearance/title-link",
)
def duplicate_title(site: SiteContext) -> Iterator[Issue]:
    """Only successful HTML pages take part, once per final URL: two queued URLs
    that redirect to the same page are one page, not a duplicate. Titles are
    compared case-insensitively with whitespace collapsed."""
    groups: dict[str, list[PageSummary]] = {}
    seen_final: set[str] = set()
    for page in sorted(site.pages, key=lambda p: (bool(p.redirects), p.depth)):
        if page.status != 200 or not page.is_html or not page.title:
            continue
        if page.final_url in seen_final:
            continue
        seen_final.add(page.final_url)
        key = " ".join(page.title.split()).casefold()
        if key:
            groups.setdefault(key, []).append(page)
    for pages in groups.values():
        if len(pages) < 2:
            continue
        for page in pages:
            others = [p.final_url for p in pages if p is not page]
            yield Issue(
                f'The title "{page.title}" is also used by {_list_urls(others)}.',
                page_url=page.url,
            )


def _failure(target: PageSummary) -> str | None:
    """How the target failed, or None if it answered below 400."""
    if target.status is not None and target.status >= 400:
        return f"answered HTTP {target.status}"
    if target.status is None and target.error:
        return f"failed to load ({target.error})"
    return None


@site_rule(
    id="broken-link",
    categories=(LINKS,),
    severity=SERIOUS,
    tags=("links", "seo"),
    title="Page links to a broken page",
    help="Fix or remove links to pages that return an error.",
    help_url="https://developers.google.com/search/docs/crawling-indexing/links-crawlable",
)
def broken_link(site: SiteContext) -> Iterator[Issue]:
    """Same-site means "crawled by this job": only targets the crawler fetched are
    judged, so external links and uncrawled pages (over the page limit) are
    never reported as broken. The finding goes on the linking page."""
    for source in site.pages:
        for target_url in dict.fromkeys(source.links):
            target = site.by_url.get(target_url)
            if target is None or target is source:
                continue
            failure = _failure(target)
            if failure:
                yield Issue(f"Links to {target_url}, which {failure}.", page_url=source.url)


@site_rule(
    id="redirect-chain",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="URL goes through a chain of redirects",
    help="Redirect straight to the final URL, and link to it directly.",
    help_url="https://developers.google.com/search/docs/crawling-indexing/301-redirects",
)
def redirect_chain(site: SiteContext) -> Iterator[Issue]:
    for page in site.pages:
        if len(page.redirects) < 2:
            continue
        steps = [f"{url} ({status})" for url, status in page.redirects]
        final = page.final_url + (f" ({page.status})" if page.status is not None else "")
        yield Issue(
            f"{len(page.redirects)} redirects: " + " -> ".join([*steps, final]),
            page_url=page.url,
        )
