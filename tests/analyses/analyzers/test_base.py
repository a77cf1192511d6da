"""The registry and runners: selectors, snippets, metadata, dedup, crash isolation."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

from apps.analyses.analyzers import (
    SEVERITIES,
    Issue,
    PageSummary,
    all_rules,
    analyze_page,
    rule_ids_in,
    run_page_rules,
    run_site_rules,
)
from apps.analyses.analyzers.base import MINOR, SEO, SERIOUS, Registry
from apps.analyses.analyzers.dom import css_selector, opening_tag
from apps.web.types import CrawledPage, RedirectHop
from tests.analyses.analyzers.helpers import PROSE, URL, html_doc, make_page

REPO_ROOT = Path(__file__).resolve().parents[3]


def parse(html: str):
    return lxml.html.document_fromstring(html)


def first(tree, tag: str, index: int = 0):
    return list(tree.iter(tag))[index]


def test_it_selects_an_element_by_its_unique_id():
    tree = parse("<html><body><div><p id='intro'>x</p></div></body></html>")
    assert css_selector(first(tree, "p")) == "#intro"


def test_it_selects_by_nth_child_path_when_the_id_is_duplicated():
    tree = parse("<html><body><p id='a'>1</p><div><p id='a'>2</p></div></body></html>")
    assert css_selector(first(tree, "p", 1)) == "html > body > div:nth-child(2) > p:nth-child(1)"


def test_it_anchors_the_path_at_the_nearest_ancestor_with_a_unique_id():
    tree = parse("<html><body><main id='main'><span></span><a href='/'>x</a></main></body></html>")
    assert css_selector(first(tree, "a")) == "#main > a:nth-child(2)"


def test_it_ignores_comments_when_counting_children():
    tree = parse("<html><body><!-- note --><p>1</p><p>2</p></body></html>")
    assert css_selector(first(tree, "p", 1)) == "html > body > p:nth-child(2)"


def test_it_escapes_ids_that_are_not_css_identifiers():
    tree = parse("<html><body><p id='1st.item'>x</p></body></html>")
    assert css_selector(first(tree, "p")) == "#\\31 st\\.item"


def test_it_snippets_only_the_opening_tag():
    tree = parse('<html><body><a href="/x" class="btn">Some <b>long</b> text</a></body></html>')
    assert opening_tag(first(tree, "a")) == '<a href="/x" class="btn">'


def test_it_escapes_quotes_in_snippet_attributes():
    tree = parse("<html><body><img alt='say \"hi\"'></body></html>")
    assert opening_tag(first(tree, "img")) == '<img alt="say &quot;hi&quot;">'


def test_it_truncates_long_snippets_to_about_200_characters():
    tree = parse(f"<html><body><img src='/{'x' * 500}.png'></body></html>")
    snippet = opening_tag(first(tree, "img"))
    assert len(snippet) == 200 and snippet.startswith('<img src="/xxx') and snippet.endswith("...")


def test_it_fills_a_finding_from_the_rule_and_the_element():
    html = html_doc('<h1>Main topic</h1><img id="logo" src="/logo.png">')
    (finding,) = [f for f in analyze_page(make_page(html)) if f.rule_id == "image-alt"]
    assert (finding.categories, finding.severity, finding.page_url) == (
        ("accessibility", "seo"),
        "critical",
        URL,
    )
    assert finding.outcome == "violation"
    assert (finding.selector, finding.snippet) == ("#logo", '<img id="logo" src="/logo.png">')
    assert "wcag111" in finding.tags
    assert finding.help_url == "https://dequeuniversity.com/rules/axe/4.14/image-alt"


def test_it_reports_nothing_on_a_clean_page():
    assert analyze_page(make_page(html_doc(f"<main><h1>Main topic</h1>{PROSE}</main>"))) == []


def test_it_reports_a_shared_rule_once_counted_in_both_categories():
    html = html_doc("<h1>Main topic</h1>", head='<meta name="description" content="d">')
    title_findings = [f for f in analyze_page(make_page(html)) if "title" in f.rule_id]
    assert [f.rule_id for f in title_findings] == ["document-title"]
    assert title_findings[0].categories == ("accessibility", "seo")
    assert "wcag242" in title_findings[0].tags


def test_it_lists_the_rules_of_a_category_including_shared_ones():
    assert {"document-title", "image-alt", "meta-description"} <= set(rule_ids_in("seo"))
    assert "meta-description" not in rule_ids_in("accessibility")
    assert "broken-link" in rule_ids_in("links")


def test_it_marks_an_issue_that_needs_review():
    registry = _registry_with(lambda page: [Issue("Maybe.", needs_review=True)])
    (finding,) = run_page_rules(make_page(html_doc()), registry).findings
    assert finding.outcome == "needs_review"


def _registry_with(*checks, scope: str = "page") -> Registry:
    registry = Registry()
    register = registry.page_rule if scope == "page" else registry.site_rule
    for i, check in enumerate(checks):
        register(
            id=f"rule-{i}",
            categories=(SEO,),
            severity=MINOR,
            tags=("seo",),
            title="t",
            help="h",
            help_url="",
        )(check)
    return registry


def _images(page):
    return list(page.tree.iter("img"))


def test_it_reports_an_element_once_when_a_rule_yields_it_twice():
    def twice(page):
        img = _images(page)[0]
        yield Issue("first", element=img)
        yield Issue("second", element=img)

    found = analyze_page(make_page(html_doc("<img>")), _registry_with(twice))
    assert [f.message for f in found] == ["first"]


def test_it_keeps_selectorless_findings_that_say_different_things():
    def page_level(page):
        yield Issue("one")
        yield Issue("two")
        yield Issue("one")

    found = analyze_page(make_page(html_doc()), _registry_with(page_level))
    assert [f.message for f in found] == ["one", "two"]


def test_it_keeps_the_other_rules_when_one_raises():
    def broken(page):
        raise RuntimeError("boom")

    def fine(page):
        yield Issue("ok")

    result = run_page_rules(make_page(html_doc()), _registry_with(broken, fine))
    assert [f.rule_id for f in result.findings] == ["rule-1"]
    assert [(e.rule_id, e.page_url, e.error) for e in result.errors] == [
        ("rule-0", URL, "RuntimeError: boom")
    ]


def test_it_logs_a_rule_that_raises(caplog):
    def broken(page):
        raise KeyError("missing")

    with caplog.at_level(logging.ERROR, logger="apps.analyses.analyzers.base"):
        analyze_page(make_page(html_doc()), _registry_with(broken))
    assert "rule-0" in caplog.text and URL in caplog.text and "KeyError" in caplog.text


def test_it_drops_the_issues_of_a_rule_that_raises_half_way():
    def half(page):
        yield Issue("before the crash")
        raise ValueError("late")

    result = run_page_rules(make_page(html_doc()), _registry_with(half))
    assert result.findings == [] and [e.rule_id for e in result.errors] == ["rule-0"]


def test_it_reports_a_rule_that_yields_an_unknown_severity_as_an_error():
    def bad(page):
        yield Issue("x", severity="huge")

    result = run_page_rules(make_page(html_doc()), _registry_with(bad))
    assert result.findings == [] and "huge" in result.errors[0].error


def test_it_isolates_a_site_rule_that_raises():
    def broken(site):
        raise RuntimeError("site boom")

    def fine(site):
        yield Issue("ok", page_url="https://example.com/")

    result = run_site_rules(
        [PageSummary(url="https://example.com/")], _registry_with(broken, fine, scope="site")
    )
    assert [f.rule_id for f in result.findings] == ["rule-1"]
    assert [(e.rule_id, e.page_url) for e in result.errors] == [("rule-0", None)]


def test_it_applies_a_per_issue_severity_override():
    def override(page):
        yield Issue("worse than usual", severity=SERIOUS)

    (finding,) = analyze_page(make_page(html_doc()), _registry_with(override))
    assert finding.severity == "serious"


def test_it_skips_document_rules_on_a_page_without_a_document():
    result = run_page_rules(make_page(None, status=404))
    assert [f.rule_id for f in result.findings] == ["http-status-code"]
    assert result.errors == []


def test_it_rejects_a_duplicate_rule_id():
    registry = _registry_with(lambda page: [])
    with pytest.raises(ValueError, match="duplicate"):
        registry.page_rule(id="rule-0", categories=(SEO,), severity=MINOR, title="t", help="h")(
            lambda page: []
        )


def test_it_rejects_a_severity_outside_the_axe_scale():
    with pytest.raises(ValueError, match="severity"):
        Registry().page_rule(id="x", categories=(SEO,), severity="high", title="t", help="h")(
            lambda page: []
        )


def test_it_rejects_an_unknown_category():
    with pytest.raises(ValueError, match="category"):
        Registry().page_rule(id="x", categories=("perf",), severity=MINOR, title="t", help="h")(
            lambda page: []
        )


def test_it_orders_severities_from_most_to_least_severe():
    assert SEVERITIES == ("critical", "serious", "moderate", "minor")


def test_it_registers_every_documented_rule():
    assert {r.id for r in all_rules()} >= set(
        [
            "image-alt",
            "html-has-lang",
            "html-lang-valid",
            "document-title",
            "label",
            "button-name",
            "link-name",
            "duplicate-id",
            "heading-order",
            "empty-heading",
            "meta-viewport",
            "title-too-long",
            "title-too-short",
            "meta-description",
            "multiple-h1",
            "missing-h1",
            "is-crawlable",
            "http-status-code",
            "redirect",
            "link-text",
            "duplicate-title",
            "broken-link",
            "redirect-chain",
        ]
    )


def test_it_describes_rules_without_their_function():
    described = {r.id: r.as_dict() for r in all_rules()}["broken-link"]
    assert described["categories"] == ["links"] and described["scope"] == "site"
    assert "check" not in described


def test_it_summarises_a_crawled_page():
    page = make_page(html_doc(), redirects=[RedirectHop("http://example.com/page", 301)])
    page.links = ["https://example.com/other"]
    summary = PageSummary.from_crawled(page)
    assert (summary.title, summary.status, summary.redirects, summary.links) == (
        "A descriptive page title",
        200,
        [("http://example.com/page", 301)],
        ["https://example.com/other"],
    )


def test_it_summarises_a_page_that_failed_without_a_title():
    page = CrawledPage(url="https://example.com/x", depth=2, error="timeout")
    summary = PageSummary.from_crawled(page)
    assert (summary.title, summary.status, summary.error, summary.final_url) == (
        None,
        None,
        "timeout",
        "https://example.com/x",
    )


def test_it_accepts_stored_redirect_dicts_and_blank_errors_in_a_summary():
    summary = PageSummary(
        url="https://example.com/",
        redirects=[{"url": "http://example.com/", "status": 301}],
        error="",
    )
    assert summary.redirects == [("http://example.com/", 301)] and summary.error is None


def test_it_does_not_import_django():
    code = "import sys, apps.analyses.analyzers; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
