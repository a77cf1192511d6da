"""Content and weight rules: what the main content says about a page, and its size.

The main content is extracted once per page (apps.analyses.content) and measured
there; these rules read those measures. Thresholds are the published defaults of
the tools users compare us with, cited at each rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from apps.analyses.analyzers.base import (
    CONTENT,
    MINOR,
    MODERATE,
    WEIGHT,
    Issue,
    PageContext,
    PageSummary,
    SiteContext,
    page_rule,
    site_rule,
)
from apps.analyses.content import THIN_CONTENT_WORDS, hamming_similarity
from apps.analyses.content.metrics import is_near_duplicate

MAX_NEAR_DUPLICATE_PAIRS = 200  # per site: past this the site has a template problem to fix
DOM_SIZE_LIMIT = 1400  # Lighthouse dom-size: its score median (p10 818), core/audits/dom-size.js


@page_rule(
    id="thin-content",
    categories=(CONTENT,),
    severity=MINOR,
    tags=("content",),
    title="Page has little main content",
    help="Give the page enough text of its own to answer a visitor's question, or merge it "
    "into a fuller page.",
    help_url="https://developers.google.com/search/docs/fundamentals/creating-helpful-content",
)
def thin_content(page: PageContext) -> Iterator[Issue]:
    """Screaming Frog's "Low Content Pages" (Content tab): fewer than 200 words, its
    default, counted in the main content only (navigation and footer excluded).
    Only for pages that are meant to be indexed and answered 200."""
    if page.status != 200 or (page.robots is not None
                              and page.robots.blocking_indexing(datetime.now(UTC))):
        return
    words = page.content_metrics.words
    if words < THIN_CONTENT_WORDS:
        yield Issue(f"The main content has {words} words (fewer than {THIN_CONTENT_WORDS}).")


@page_rule(
    id="content-language-mismatch",
    categories=(CONTENT,),
    severity=MODERATE,
    tags=("content", "wcag2a", "wcag311"),
    title="Declared language is not the language of the content",
    help="Set <html lang> to the language the page is written in, so screen readers "
    "pronounce it and search engines serve it to the right readers.",
    help_url="https://www.w3.org/WAI/WCAG22/Understanding/language-of-page",
)
def content_language_mismatch(page: PageContext) -> Iterator[Issue]:
    """WCAG 2.2 SC 3.1.1 (Language of Page) asks for the page's *actual* default
    language to be programmatically determinable; axe's html-lang-valid checks only
    that the value is a valid tag. Detected language (py3langid) of the main content,
    from 50 words on, against the primary subtag of <html lang>."""
    metrics = page.content_metrics
    if metrics.words >= 50 and metrics.language_matches is False:
        yield Issue(f'<html lang> says "{metrics.language_declared}", but the main content '
                    f'reads as "{metrics.language}".', element=page.tree)


@page_rule(
    id="dom-size",
    categories=(WEIGHT,),
    severity=MINOR,
    tags=("performance",),
    title="Page has an excessive DOM size",
    help="Render fewer elements: paginate long lists, load off-screen parts on demand and "
    "drop wrapper elements.",
    help_url="https://developer.chrome.com/docs/lighthouse/performance/dom-size",
)
def dom_size(page: PageContext) -> Iterator[Issue]:
    """Lighthouse's dom-size: more than 1 400 elements (its score median) costs memory,
    style calculation and layout on every change."""
    count = len(page.elements())
    if count > DOM_SIZE_LIMIT:
        yield Issue(f"The page has {count:,} elements (more than {DOM_SIZE_LIMIT:,}).")


@site_rule(
    id="near-duplicate-content",
    categories=(CONTENT,),
    severity=MODERATE,
    tags=("content", "seo"),
    title="Pages have nearly the same main content",
    help="Merge the pages, make each one distinct, or point the copies at one with "
    "rel=canonical.",
    help_url="https://developers.google.com/search/docs/crawling-indexing/consolidate-duplicate-urls",
)
def near_duplicate_content(site: SiteContext) -> Iterator[Issue]:
    """Screaming Frog's "Near Duplicates" on main content, with a 64-bit simhash
    (Manku et al. 2007: at most 3 differing bits) instead of its minhash at 90 %.
    Exact duplicates are included. One finding per pair, on the page crawled later,
    naming the earlier one; pages that canonicalise to another URL are left out."""
    for page, earlier, similarity in near_duplicate_pairs(site.pages):
        yield Issue(f"The main content is {similarity}% similar to {earlier.url}.",
                    page_url=page.url)


def near_duplicate_pairs(pages: list[PageSummary]) -> list[tuple[PageSummary, PageSummary, int]]:
    """(page, earlier page, similarity %) for each near-duplicate pair, in crawl order,
    at most MAX_NEAR_DUPLICATE_PAIRS."""
    fingerprints = []
    for page in pages:
        content = page.facts.get("content") or {}
        canonical = page.facts.get("canonical")
        if page.is_ok_html and content.get("simhash") and canonical in (None, page.url,
                                                                         page.final_url):
            fingerprints.append((page, content["simhash"]))
    # Pigeonhole (Manku et al.): two 64-bit fingerprints within 3 bits share at least one
    # of their four 16-bit blocks exactly, so only pages sharing a block are compared.
    blocks: dict[tuple[int, str], list[int]] = {}
    pairs = []
    for index, (page, fingerprint) in enumerate(fingerprints):
        candidates: set[int] = set()
        for block in range(4):
            key = (block, fingerprint[block * 4:block * 4 + 4])
            candidates.update(blocks.setdefault(key, []))
            blocks[key].append(index)
        for earlier_index in sorted(candidates):
            earlier, other = fingerprints[earlier_index]
            if is_near_duplicate(fingerprint, other):
                pairs.append((page, earlier, round(100 * hamming_similarity(fingerprint, other))))
                if len(pairs) >= MAX_NEAR_DUPLICATE_PAIRS:
                    return pairs
    return pairs


def content_summary(pages: list[PageSummary]) -> dict:
    """The site's content in numbers, for the analysis detail: pages measured, words,
    thin pages, detected languages (page counts) and the near-duplicate pairs."""
    measured = [page for page in pages if page.is_ok_html and page.facts.get("content")]
    languages: dict[str, int] = {}
    for page in measured:
        language = page.facts["content"].get("language")
        if language:
            languages[language] = languages.get(language, 0) + 1
    return {
        "pages": len(measured),
        "words": sum(page.facts["content"]["words"] for page in measured),
        "thin_pages": sum(1 for page in measured if page.facts["content"].get("thin")),
        "thin_content_words": THIN_CONTENT_WORDS,
        "languages": dict(sorted(languages.items(), key=lambda item: (-item[1], item[0]))),
        "near_duplicates": [{"page": page.url, "duplicate_of": earlier.url,
                             "similarity": similarity}
                            for page, earlier, similarity in near_duplicate_pairs(pages)],
    }
