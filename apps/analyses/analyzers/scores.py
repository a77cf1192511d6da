"""Scores 0–100 per category, per page and for the site, the way Lighthouse scores.

Lighthouse's accessibility score is "a weighted average of all accessibility audits",
each audit pass or fail for the whole page, weighted by axe-core's impact
(developer.chrome.com/docs/lighthouse/accessibility/scoring; Lighthouse's
default-config.js): critical 10, serious 7, moderate 3, minor 1. Sitelens applies
the same to every category:

* A page's score in a category = 100 × (1 − Σ weight of the failed rules /
  Σ weight of the applicable rules), rounded; a rule weighs its declared severity.
* Applicable: every page rule that ran on the page and found something of its kind
  to check (a rule that looked for images on a page without any is "not
  applicable", as in Lighthouse, and counts neither way), and every site rule.
* Failed: at least one violation of the rule on the page (one or fifty: pass or
  fail, as Lighthouse). `needs_review` findings fail nothing, so they never lower a
  score. A rule that crashed on the page does not count.
* A rule in several categories counts in each (image-alt in accessibility and SEO).
* Only pages that answered 2xx with HTML are scored; a category with no applicable
  rule on a page scores null there.
* The site's score in a category is the mean of its pages' scores, rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from apps.analyses.analyzers.base import REGISTRY, Registry
from apps.analyses.analyzers.taxonomy import CATEGORIES, Severity

IMPACT_WEIGHTS: dict[str, int] = {
    Severity.CRITICAL: 10,
    Severity.SERIOUS: 7,
    Severity.MODERATE: 3,
    Severity.MINOR: 1,
}
SCORE_VERSION = 1  # bump when the formula or the weights change


def applicable_rules(*, not_applicable: Iterable[str] = (), errored: Iterable[str] = (),
                     registry: Registry = REGISTRY) -> list[str]:
    """Ids of the rules that count on an HTML page: every page and site rule, less
    those not applicable there and those that crashed there."""
    excluded = set(not_applicable) | set(errored)
    return [rule.id for rule in registry.rules("page") + registry.rules("site")
            if rule.id not in excluded]


def page_scores(applicable: Iterable[str], failed: Iterable[str],
                registry: Registry = REGISTRY) -> dict[str, int | None]:
    """Category -> score of one page (see the module docstring)."""
    failed = set(failed)
    total = dict.fromkeys(CATEGORIES, 0)
    lost = dict.fromkeys(CATEGORIES, 0)
    for rule_id in applicable:
        rule = registry.get(rule_id)
        weight = IMPACT_WEIGHTS[rule.severity]
        for category in rule.categories:
            total[category] += weight
            if rule_id in failed:
                lost[category] += weight
    return {category: (round(100 * (1 - lost[category] / total[category]))
                       if total[category] else None) for category in CATEGORIES}


def site_scores(pages: Iterable[Mapping[str, int | None]]) -> dict[str, int | None]:
    """Category -> the mean of the pages' scores (None when no page has one)."""
    sums = dict.fromkeys(CATEGORIES, 0)
    counts = dict.fromkeys(CATEGORIES, 0)
    for scores in pages:
        for category in CATEGORIES:
            value = scores.get(category)
            if value is not None:
                sums[category] += value
                counts[category] += 1
    return {category: (round(sums[category] / counts[category]) if counts[category] else None)
            for category in CATEGORIES}
