"""Scores: Lighthouse's weighted pass/fail average, per category."""

from apps.analyses.analyzers.base import Registry
from apps.analyses.analyzers.scores import (
    IMPACT_WEIGHTS,
    applicable_rules,
    page_scores,
    site_scores,
)
from apps.analyses.analyzers.taxonomy import CATEGORIES


def _registry() -> Registry:
    registry = Registry()

    def rule(id, categories, severity, scope="page"):
        decorator = registry.page_rule if scope == "page" else registry.site_rule
        decorator(id=id, categories=categories, severity=severity, tags=(), title=id,
                  help=id, help_url="https://example.org/")(lambda ctx: iter(()))

    rule("crit", ("accessibility",), "critical")
    rule("minor", ("accessibility",), "minor")
    rule("shared", ("accessibility", "seo"), "serious")
    rule("seo-site", ("seo",), "moderate", scope="site")
    return registry


def test_a_failed_rule_costs_its_impact_weight_in_every_category_it_counts_in():
    registry = _registry()
    applicable = applicable_rules(registry=registry)
    scores = page_scores(applicable, {"shared"}, registry)
    assert scores["accessibility"] == round(100 * (1 - 7 / (10 + 1 + 7)))
    assert scores["seo"] == round(100 * (1 - 7 / (7 + 3)))
    assert scores["content"] is None  # no rule applies
    assert IMPACT_WEIGHTS == {"critical": 10, "serious": 7, "moderate": 3, "minor": 1}


def test_not_applicable_and_crashed_rules_count_neither_way():
    registry = _registry()
    applicable = applicable_rules(not_applicable=["minor"], errored=["shared"],
                                  registry=registry)
    assert sorted(applicable) == ["crit", "seo-site"]
    assert page_scores(applicable, {"crit"}, registry)["accessibility"] == 0
    assert page_scores(applicable, set(), registry)["accessibility"] == 100


def test_the_site_score_is_the_mean_of_the_page_scores():
    pages = [dict.fromkeys(CATEGORIES, 100), {**dict.fromkeys(CATEGORIES, 51), "weight": None}]
    scores = site_scores(pages)
    assert scores["seo"] == 76 and scores["weight"] == 100
    assert site_scores([])["seo"] is None
