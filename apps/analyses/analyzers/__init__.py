"""Sitelens analyzers: SEO, accessibility and link rules over crawled pages.

Use `analyze_page(crawled_page)` for each crawled page (the HTML is parsed once
by the crawler and every rule reads that one tree) and
`analyze_site(summaries)` once the crawl is over. Both return `Finding`s;
`run_page_rules`/`run_site_rules` also return the rules that crashed.

Adding a rule is one function plus its test:

1. In the module of its family (seo.py, accessibility.py, site.py), write::

       @page_rule(id="my-rule", categories=(SEO,), severity=MINOR, tags=("seo",),
                  title="...", help="...", help_url="https://...")
       def my_rule(page: PageContext) -> Iterator[Issue]:
           for el in page.elements("img"):
               if not page.is_hidden(el) and ...:
                   yield Issue("What is wrong here.", element=el)

   Use the rule id its published definition uses (axe-core's or Lighthouse's) and
   cite that source in the docstring. `categories` lists every category the
   finding counts in (Lighthouse's SEO category also counts `image-alt`). Yield
   `Issue(..., needs_review=True)` when markup alone cannot decide (axe's
   "incomplete"). `@site_rule` with `site: SiteContext` is for rules over all
   pages; pass `requires_document=False` for a page rule that must run on non-HTML
   or failed pages. The registry adds the selector, snippet, metadata and
   de-duplication; ids are checked for uniqueness at import. `PageContext` holds
   the per-page work rules share (elements by tag and role, the hidden set, ids,
   accessible-name text): use it instead of walking the tree again.
2. In tests/analyses/analyzers/, add a failing and a passing HTML fixture.

A rule that raises loses only its own findings for that page; the error comes back
in `AnalysisResult.errors` and the pipeline records it on the analysis.

Nothing here imports Django.
"""

from apps.analyses.analyzers import (  # noqa: F401  (fill the registry)
    accessibility,
    aria_rules,
    content,
    landmarks,
    names,
    seo,
    site,
    structure,
    tables,
)
from apps.analyses.analyzers.base import (
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
    rule_ids_in,
    run_page_rules,
    run_site_rules,
    site_rule,
)
from apps.analyses.analyzers.taxonomy import (
    CATEGORIES,
    OUTCOMES,
    SEVERITIES,
    Category,
    Outcome,
    Severity,
)

__all__ = [
    "CATEGORIES",
    "OUTCOMES",
    "SEVERITIES",
    "AnalysisResult",
    "Category",
    "Outcome",
    "Severity",
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
    "rule_ids_in",
    "run_page_rules",
    "run_site_rules",
    "site_rule",
]
