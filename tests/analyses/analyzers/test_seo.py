"""SEO page rules: one failing and one passing fixture per behaviour."""

from __future__ import annotations

import pytest

from apps.web.types import RedirectHop
from tests.analyses.analyzers.helpers import URL, body_findings, findings, html_doc

DESCRIPTION = '<meta name="description" content="What this page is about.">'


def with_title(title: str) -> str:
    return html_doc("<h1>x</h1>", head=f"<title>{title}</title>{DESCRIPTION}")


# title-too-long / title-too-short


def test_it_flags_a_title_over_60_characters():
    (finding,) = findings("title-too-long", with_title("x" * 61))
    assert "61 characters" in finding.message
    assert finding.selector == "html > head > title:nth-child(1)"


def test_it_accepts_a_title_of_exactly_60_characters():
    assert findings("title-too-long", with_title("x" * 60)) == []


def test_it_flags_a_title_under_10_characters():
    assert len(findings("title-too-short", with_title("Home"))) == 1


def test_it_accepts_a_title_of_exactly_10_characters():
    assert findings("title-too-short", with_title("x" * 10)) == []


def test_it_leaves_an_empty_title_to_document_title():
    assert findings("title-too-short", with_title("   ")) == []


def test_it_measures_the_title_with_whitespace_collapsed():
    assert findings("title-too-long", with_title("word " + " " * 80 + "word")) == []


# meta-description


def test_it_flags_a_missing_meta_description():
    (finding,) = findings(
        "meta-description", html_doc("<h1>x</h1>", head="<title>A good title</title>")
    )
    assert finding.selector == "" and "no <meta" in finding.message


def test_it_flags_an_empty_meta_description_on_its_element():
    head = '<title>A good title</title><meta name="Description" content=" ">'
    (finding,) = findings("meta-description", html_doc("<h1>x</h1>", head=head))
    assert finding.snippet == '<meta name="Description" content="">'


def test_it_accepts_a_meta_description():
    assert findings("meta-description", with_title("A good title")) == []


# multiple-h1 / missing-h1


def test_it_flags_each_extra_h1():
    found = body_findings("multiple-h1", "<h1>A</h1><h1>B</h1><h1 id='c'>C</h1>")
    assert [f.selector for f in found] == ["html > body > h1:nth-child(2)", "#c"]


def test_it_accepts_a_single_h1():
    assert body_findings("multiple-h1", "<h1>A</h1><h2>B</h2>") == []


def test_it_flags_a_page_without_h1():
    assert len(body_findings("missing-h1", "<h2>B</h2>")) == 1


def test_it_accepts_a_page_with_an_h1():
    assert body_findings("missing-h1", "<div><h1>A</h1></div>") == []


# is-crawlable (Lighthouse: fails only when every crawler it asks about is blocked)


@pytest.mark.parametrize(
    "meta",
    [
        '<meta name="robots" content="noindex, follow">',
        '<meta name="ROBOTS" content="NONE">',
        '<meta name="robots" content="noindex nofollow">',
    ],
)
def test_it_flags_a_noindex_meta_tag(meta):
    html = html_doc("<h1>x</h1>", head=f"<title>A good title</title>{DESCRIPTION}{meta}")
    (finding,) = findings("is-crawlable", html)
    assert finding.snippet.startswith("<meta") and "meta name=" in finding.message
    assert finding.categories == ("seo",)


def test_it_flags_a_noindex_header_and_says_so():
    (finding,) = findings(
        "is-crawlable", with_title("A good title"), headers={"x-robots-tag": "noindex"}
    )
    assert "X-Robots-Tag header" in finding.message and finding.snippet == "X-Robots-Tag: noindex"


def test_it_names_both_sources_in_one_finding():
    html = html_doc(
        "<h1>x</h1>", head='<title>A good title</title><meta name="robots" content="noindex">'
    )
    (finding,) = findings("is-crawlable", html, headers={"x-robots-tag": "noindex"})
    assert "meta name" in finding.message and "X-Robots-Tag" in finding.message


def test_it_accepts_an_indexable_page():
    html = html_doc(
        "<h1>x</h1>", head='<title>A good title</title><meta name="robots" content="index, follow">'
    )
    assert findings("is-crawlable", html, headers={"x-robots-tag": "noarchive"}) == []


def test_it_passes_when_only_one_bot_is_blocked_as_lighthouse_does():
    html = html_doc(
        "<h1>x</h1>", head='<title>A good title</title><meta name="googlebot" content="noindex">'
    )
    assert findings("is-crawlable", html) == []


def test_it_fails_when_every_known_bot_is_blocked_one_by_one():
    head = "<title>A good title</title>" + "".join(
        f'<meta name="{bot}" content="noindex">'
        for bot in ("googlebot", "bingbot", "duckduckbot", "archive.org_bot")
    )
    assert findings("is-crawlable", html_doc("<h1>x</h1>", head=head)) == []  # generic allowed
    head += '<meta name="robots" content="noindex">'
    assert len(findings("is-crawlable", html_doc("<h1>x</h1>", head=head))) == 1


@pytest.mark.parametrize(
    "value, blocks",
    [
        ("noindex", True),
        ("googlebot: noindex", False),  # one bot only
        ("otherbot: noindex", False),
        ("unavailable_after: 25 Jun 2010 15:00:00 GMT", True),  # a date in the past
        ("unavailable_after: 2999-01-01", False),
        ("unavailable_after: not a date", False),
        ("max-snippet: 20", False),
    ],
)
def test_it_reads_the_robots_header_as_lighthouse_does(value, blocks):
    assert bool(findings("is-crawlable", with_title("A good title"),
                         headers={"x-robots-tag": value})) is blocks


def test_it_ignores_a_noindex_on_an_error_page():
    assert findings("is-crawlable", with_title("A good title"), status=404,
                    headers={"x-robots-tag": "noindex"}) == []


# http-status-code


def test_it_flags_an_error_status_as_serious():
    (finding,) = findings("http-status-code", with_title("Not found here"), status=404)
    assert finding.severity == "serious" and "404" in finding.message


def test_it_flags_an_error_status_even_without_a_document():
    assert len(findings("http-status-code", None, status=503)) == 1


@pytest.mark.parametrize("status", [200, 304, None])
def test_it_accepts_non_error_statuses(status):
    assert findings("http-status-code", None, status=status) == []


# redirect


def test_it_flags_a_redirected_url():
    (finding,) = findings(
        "redirect",
        None,
        url="http://example.com/page",
        final_url=URL,
        redirects=[RedirectHop("http://example.com/page", 301)],
    )
    assert finding.severity == "minor" and finding.page_url == "http://example.com/page"
    assert "(301) to https://example.com/page" in finding.message


def test_it_accepts_a_url_that_did_not_redirect():
    assert findings("redirect", with_title("A good title")) == []


# link-text


@pytest.mark.parametrize(
    "text",
    [
        "click here",
        "  Read More ",
        "HERE",
        "learn more",
        "go",
        "start",
        "this",
    ],
)
def test_it_flags_non_descriptive_link_text(text):
    (finding,) = body_findings("link-text", f'<a href="/pricing">{text}</a>')
    assert finding.snippet == '<a href="/pricing">'


def test_it_reports_one_finding_per_anchor():
    body = '<a href="/a">here</a><a href="/b">here</a><a href="/a">here</a>'
    assert len(body_findings("link-text", body)) == 3


@pytest.mark.parametrize(
    "anchor",
    [
        '<a href="/pricing">See our pricing</a>',
        '<a href="/pricing" rel="nofollow">here</a>',
        '<a href="mailto:x@example.com">here</a>',
        '<a href="javascript:void(0)">more</a>',
        '<a href="#top">more</a>',
        f'<a href="{URL}#section">more</a>',
        '<a href="/pricing">more than enough</a>',
        # Lighthouse (link-text.js) trims only whitespace and has no "continue":
        '<a href="/pricing">more »</a>',
        '<a href="/pricing">Continue</a>',
    ],
)
def test_it_accepts_descriptive_or_excluded_links(anchor):
    assert body_findings("link-text", anchor) == []
