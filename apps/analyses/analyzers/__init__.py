"""Sitelens analyzers: SEO, accessibility and link rules over crawled pages.

Use `analyze_page(crawled_page)` for each crawled page (the HTML is parsed once
by the crawler and every rule reads that one tree) and
`analyze_site(summaries)` once the crawl is over. Both return `Finding`s;
`run_page_rules`/`run_site_rules` also return the rules that crashed.

Adding a rule is one function plus its test:

1. In the module of its family (seo.py, accessibility.py, site.py), write::

       @page_rule(id="my-rule", category=SEO, severity=MINOR, tags=("seo",),
                  title="...", help="...", help_url="https://...")
       def my_rule(page: PageContext) -> Iterator[Issue]:
           for el in dom.elements(page.tree, "img"):
               if ...:
                   yield Issue("What is wrong here.", element=el)

   (`@site_rule` with `site: SiteContext` for rules over all pages; pass
   `requires_document=False` for a page rule that must run on non-HTML or
   failed pages.) The registry adds the selector, snippet, metadata and
   de-duplication; ids are checked for uniqueness at import.
2. In tests/analyses/analyzers/, add a failing and a passing HTML fixture.

Nothing here imports Django.
"""

from apps.analyses.analyzers import accessibility, seo, site  # noqa: F401  (fill the registry)
from apps.analyses.analyzers.base import (
    CATEGORIES,
    SEVERITIES,
    AnalysisResult,
    Finding,
    Issue,
    PageContext,
    PageSummary,
    Rule,
    RuleError,
    SiteContext,
    all_rules,
    analyze_page,
    analyze_site,
    page_rule,
    run_page_rules,
    run_site_rules,
    site_rule,
)

__all__ = [
    "CATEGORIES",
    "SEVERITIES",
    "AnalysisResult",
    "Finding",
    "Issue",
    "PageContext",
    "PageSummary",
    "Rule",
    "RuleError",
    "SiteContext",
    "all_rules",
    "analyze_page",
    "analyze_site",
    "page_rule",
    "run_page_rules",
    "run_site_rules",
    "site_rule",
]
