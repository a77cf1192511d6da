"""Site rules: checks that need several pages, run over `PageSummary` objects.

Summaries carry no body, so these rules work the same on a fresh crawl and on
pages loaded back from the database for a resumed job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from apps.analyses.analyzers.base import (
    LINKS,
    MINOR,
    MODERATE,
    SEO,
    SERIOUS,
    WEIGHT,
    Issue,
    PageSummary,
    SiteContext,
    site_rule,
)
from apps.web.robots_lint import validate_robots_txt

MAX_LISTED_URLS = 10
GOOGLE_SNIPPET_DOCS = "https://developers.google.com/search/docs/appearance/snippet"
GOOGLE_HEADINGS_DOCS = (
    "https://developers.google.com/search/docs/fundamentals/seo-starter-guide"
    "#use-heading-tags-to-emphasize-important-text"
)


def _list_urls(urls: list[str]) -> str:
    shown = ", ".join(urls[:MAX_LISTED_URLS])
    extra = len(urls) - MAX_LISTED_URLS
    return shown + (f" and {extra} more" if extra > 0 else "")


def _content_pages(site: SiteContext) -> list[PageSummary]:
    """200 HTML pages, once per final URL (two queued URLs that redirect to the same
    page are one page, not a duplicate), the directly reached one first."""
    seen_final: set[str] = set()
    pages = []
    for page in sorted(site.pages, key=lambda p: (bool(p.redirects), p.depth)):
        if page.is_ok_html and page.final_url not in seen_final:
            seen_final.add(page.final_url)
            pages.append(page)
    return pages


def _duplicates(
    site: SiteContext, value: Callable[[PageSummary], str | None], what: str
) -> Iterator[Issue]:
    """One finding per page whose `value` (case-folded, whitespace collapsed) other
    pages share, listing them."""
    groups: dict[str, list[tuple[PageSummary, str]]] = {}
    for page in _content_pages(site):
        text = " ".join((value(page) or "").split())
        if text:
            groups.setdefault(text.casefold(), []).append((page, text))
    for members in groups.values():
        if len(members) < 2:
            continue
        for page, text in members:
            others = [p.final_url for p, _ in members if p is not page]
            yield Issue(f'The {what} "{text}" is also used by {_list_urls(others)}.',
                        page_url=page.url)


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
    """Screaming Frog's "Page Titles: Duplicate": 200 HTML pages, compared
    case-insensitively with whitespace collapsed."""
    return _duplicates(site, lambda page: page.title, "title")


@site_rule(
    id="duplicate-meta-description",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="Several pages share the same meta description",
    help="Write a description for each page that summarises that page; search engines "
    "show it under the title.",
    help_url=GOOGLE_SNIPPET_DOCS,
)
def duplicate_meta_description(site: SiteContext) -> Iterator[Issue]:
    """Screaming Frog's "Meta Description: Duplicate" (compared like titles)."""
    return _duplicates(site, lambda page: page.facts.get("description"), "meta description")


@site_rule(
    id="duplicate-h1",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="Several pages share the same H1",
    help="Give each page a main heading that names what that page is about.",
    help_url=GOOGLE_HEADINGS_DOCS,
)
def duplicate_h1(site: SiteContext) -> Iterator[Issue]:
    """Screaming Frog's "H1: Duplicate": the first <h1> of each page."""
    return _duplicates(site, lambda page: next(iter(page.facts.get("h1") or []), None), "H1")


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
                text = (source.facts.get("anchors") or {}).get(target_url)
                label = f' ("{text}")' if text else ""
                yield Issue(f"Links to {target_url}{label}, which {failure}.",
                            page_url=source.url)


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


@site_rule(
    id="redirect-loop",
    categories=(SEO, LINKS),
    severity=SERIOUS,
    tags=("seo",),
    title="URL redirects in a loop",
    help="Make the redirect point to a page that answers 200; browsers and crawlers give up "
    "on a loop.",
    help_url="https://developers.google.com/search/docs/crawling-indexing/301-redirects",
)
def redirect_loop(site: SiteContext) -> Iterator[Issue]:
    """Screaming Frog's "Redirect Loop": the chain comes back to a URL it passed."""
    for page in site.pages:
        if page.error == "redirect_loop":
            steps = [f"{url} ({status})" for url, status in page.redirects]
            yield Issue("Redirects in a loop: " + " -> ".join([*steps, page.final_url]),
                        page_url=page.url)


def _linked(site: SiteContext, page: PageSummary) -> bool:
    return bool(site.linked_from.get(page.url) or site.linked_from.get(page.final_url))


@site_rule(
    id="orphan-page",
    categories=(SEO, LINKS),
    severity=MODERATE,
    tags=("seo",),
    title="Page is in the sitemap but no crawled page links to it",
    help="Link to the page from a related page or the navigation; search engines and users "
    "find pages through links.",
    help_url="https://developers.google.com/search/docs/crawling-indexing/links-crawlable",
)
def orphan_page(site: SiteContext) -> Iterator[Issue]:
    """Screaming Frog's "Orphan URLs" (sitemap source): a URL listed in the sitemap,
    crawled, and linked from none of the other crawled pages. Only as complete as the
    crawl: a link from a page beyond the page limit is not seen."""
    for page in site.pages:
        if page.url not in site.sitemap_urls or page.depth == 0 or page.source == "start":
            continue
        if page.status is not None and not _linked(site, page):
            yield Issue("Listed in the sitemap, but no crawled page links to it.",
                        page_url=page.url)


def non_indexable_reason(page: PageSummary) -> str | None:
    """Why Screaming Frog would call the page non-indexable, or None."""
    if page.redirects:
        return f"redirects ({page.redirects[0][1]}) to {page.final_url}"
    if page.status is None:
        return f"could not be fetched ({page.error or 'no response'})"
    if page.status != 200:
        return f"answers HTTP {page.status}"
    if page.facts.get("noindex"):
        return "is marked noindex"
    canonical = page.facts.get("canonical")
    if canonical and canonical not in (page.url, page.final_url):
        return f"declares another canonical URL ({canonical})"
    return None


@site_rule(
    id="sitemap-non-indexable",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="Sitemap lists a URL that cannot be indexed",
    help="List only canonical, indexable URLs that answer 200 in the sitemap.",
    help_url="https://developers.google.com/search/docs/crawling-indexing/sitemaps/build-sitemap",
)
def sitemap_non_indexable(site: SiteContext) -> Iterator[Issue]:
    """Screaming Frog's "Sitemaps: Non-Indexable URLs in Sitemap": redirects, errors,
    noindex and pages canonicalised elsewhere."""
    for page in site.pages:
        if page.url in site.sitemap_urls:
            reason = non_indexable_reason(page)
            if reason:
                yield Issue(f"Listed in the sitemap, but {reason}.", page_url=page.url)


@site_rule(
    id="canonical-target",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="Canonical URL points to a page that cannot be indexed",
    help="Point rel=canonical at the indexable URL that answers 200, not at a redirect, an "
    "error or a noindex page.",
    help_url="https://developer.chrome.com/docs/lighthouse/seo/canonical",
)
def canonical_target(site: SiteContext) -> Iterator[Issue]:
    """The site half of Lighthouse's canonical audit (core/audits/seo/canonical.js
    checks one page): the canonical target was crawled, and it redirects, fails,
    answers an error or is noindex. Targets outside the crawl are not judged."""
    for page in site.pages:
        canonical = page.facts.get("canonical")
        if not canonical or canonical in (page.url, page.final_url):
            continue
        target = site.by_url.get(canonical)
        if target is None:
            continue
        reason = non_indexable_reason(target)
        if reason and not reason.startswith("declares"):
            yield Issue(f"The canonical URL {canonical} {reason}.", page_url=page.url)


DEEP_PAGE_DEPTH = 4  # clicks from the start URL; SEO practice keeps key pages within 3


@site_rule(
    id="deep-page",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title=f"Page is {DEEP_PAGE_DEPTH} or more clicks from the start page",
    help="Link important pages from higher up (navigation, hubs); deep pages are crawled and "
    "found less.",
    help_url="https://developers.google.com/search/docs/crawling-indexing/links-crawlable",
)
def deep_page(site: SiteContext) -> Iterator[Issue]:
    """Screaming Frog's crawl depth: the fewest links from the start URL (the crawl
    is breadth-first). Pages found only through the sitemap are left out."""
    for page in site.pages:
        if page.depth >= DEEP_PAGE_DEPTH and page.is_ok_html and page.source != "sitemap":
            yield Issue(f"{page.depth} clicks from the start page.", page_url=page.url)


@site_rule(
    id="external-broken-link",
    categories=(LINKS,),
    severity=SERIOUS,
    tags=("links", "seo"),
    title="Page links to a broken external page",
    help="Update or remove links to other sites' pages that no longer answer.",
    help_url="https://developers.google.com/search/docs/crawling-indexing/links-crawlable",
)
def external_broken_link(site: SiteContext) -> Iterator[Issue]:
    """Screaming Frog's "External: Client Error (4xx)", "Server Error (5xx)" and "No
    Response": each page that links to a checked external URL (HEAD, then GET) that
    answered 400 or more or not at all, with the link text. URLs over the check's
    bounds are not judged."""
    for page in site.pages:
        anchors = page.facts.get("anchors") or {}
        for url in dict.fromkeys(page.links):
            status = site.checked.get(url)
            if status is None or not status.broken or url in site.by_url:
                continue
            how = f"answered HTTP {status.status}" if status.status is not None else \
                f"did not answer ({status.error})"
            label = f' ("{anchors[url]}")' if anchors.get(url) else ""
            yield Issue(f"Links to {url}{label}, which {how}.", page_url=page.url)


# Lighthouse's total-byte-weight scores 0.5 at 4 000 KiB (its median); above it, flag.
TOTAL_BYTE_WEIGHT_LIMIT = 4000 * 1024


@site_rule(
    id="total-byte-weight",
    categories=(WEIGHT,),
    severity=MODERATE,
    tags=("performance",),
    title="Page is heavy to download",
    help="Compress and resize images, and drop scripts and styles the page does not use.",
    help_url="https://developer.chrome.com/docs/lighthouse/performance/total-byte-weight",
)
def total_byte_weight(site: SiteContext) -> Iterator[Issue]:
    """Lighthouse's total-byte-weight, from what a crawl can know: the HTML plus the
    sizes (Content-Length) of the page's images, scripts, stylesheets and preloaded
    fonts that the resource check learnt; fonts loaded from CSS and anything added by
    scripts are not counted, so the true weight is at least this."""
    for page in site.pages:
        weight = page.facts.get("weight") or {}
        total = weight.get("total_bytes", 0)
        if total > TOTAL_BYTE_WEIGHT_LIMIT:
            yield Issue(
                f"At least {total // 1024:,} KiB ({weight.get('resources_sized', 0)} of "
                f"{weight.get('resources', 0)} resources sized), over Lighthouse's "
                f"{TOTAL_BYTE_WEIGHT_LIMIT // 1024:,} KiB.",
                page_url=page.url,
            )


@site_rule(
    id="robots-txt",
    categories=(SEO,),
    severity=SERIOUS,
    tags=("seo",),
    title="robots.txt is not valid",
    help="Fix the listed lines: crawlers may ignore a robots.txt they cannot understand, or "
    "skip the whole site when it answers a server error.",
    help_url="https://developer.chrome.com/docs/lighthouse/seo/invalid-robots-txt",
)
def robots_txt(site: SiteContext) -> Iterator[Issue]:
    """Lighthouse's robots-txt (core/audits/seo/robots-txt.js): a 5xx or 429 answer
    fails; a 4xx or an empty file is not applicable; a failed fetch fails; otherwise
    every validation error, with its line, is one finding on the start page."""
    robots, start = site.robots, site.start_page
    if robots is None or start is None or not robots.robots_url:
        return
    status = robots.status
    if status is not None and (status >= 500 or status == 429):
        yield Issue(f"{robots.robots_url} answered HTTP {status}.", page_url=start.url,
                    snippet=f"GET {robots.robots_url} -> {status}")
        return
    if (status is not None and status >= 400) or (robots.text is not None and
                                                   not robots.text.strip()):
        return
    if robots.error or status is None:
        yield Issue(f"{robots.robots_url} could not be fetched ({robots.error or 'no answer'}).",
                    page_url=start.url)
        return
    if not 200 <= status < 300 or robots.text is None:
        return
    for error in validate_robots_txt(robots.text):
        yield Issue(f"Line {error.line_number}: {error.message}.", page_url=start.url,
                    snippet=f"{error.line_number}: {error.line.strip()}"[:200])
