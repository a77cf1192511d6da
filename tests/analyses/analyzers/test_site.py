"""Site rules over page summaries."""

from __future__ import annotations

from apps.analyses.analyzers import PageSummary, analyze_site

BASE = "https://example.com"


def page(path: str, **kwargs) -> PageSummary:
    kwargs.setdefault("status", 200)
    kwargs.setdefault("content_type", "text/html")
    return PageSummary(url=BASE + path, **kwargs)


def rule(rule_id: str, pages: list[PageSummary]):
    return [f for f in analyze_site(pages) if f.rule_id == rule_id]


# duplicate-title


def test_it_flags_every_page_sharing_a_title_and_names_the_others():
    pages = [page("/a", title="Shop"), page("/b", title="shop "), page("/c", title="About us")]
    found = rule("duplicate-title", pages)
    assert [f.page_url for f in found] == [BASE + "/a", BASE + "/b"]
    assert BASE + "/b" in found[0].message and BASE + "/a" in found[1].message


def test_it_accepts_distinct_titles():
    assert rule("duplicate-title", [page("/a", title="Shop"), page("/b", title="About")]) == []


def test_it_ignores_error_pages_and_non_html_when_comparing_titles():
    pages = [
        page("/a", title="Shop"),
        page("/b", title="Shop", status=404),
        page("/c", title="Shop", content_type="application/pdf"),
    ]
    assert rule("duplicate-title", pages) == []


def test_it_does_not_count_a_redirect_to_the_same_page_as_a_duplicate():
    pages = [
        page("/a", title="Shop"),
        page("/old-a", title="Shop", final_url=BASE + "/a", redirects=[(BASE + "/old-a", 301)]),
    ]
    assert rule("duplicate-title", pages) == []


# broken-link


def test_it_flags_a_link_to_a_crawled_error_page_on_the_source():
    pages = [
        page("/", links=[BASE + "/gone", BASE + "/ok"]),
        page("/gone", status=404),
        page("/ok"),
    ]
    (finding,) = rule("broken-link", pages)
    assert (finding.page_url, finding.categories) == (BASE + "/", ("links",))
    assert BASE + "/gone" in finding.message and "404" in finding.message


def test_it_flags_a_link_to_a_page_that_failed_to_load():
    pages = [page("/", links=[BASE + "/slow"]), page("/slow", status=None, error="timeout")]
    (finding,) = rule("broken-link", pages)
    assert "timeout" in finding.message


def test_it_reports_one_finding_per_source_and_target():
    pages = [
        page("/", links=[BASE + "/gone", BASE + "/gone", BASE + "/dead"]),
        page("/b", links=[BASE + "/gone"]),
        page("/gone", status=404),
        page("/dead", status=500),
    ]
    found = rule("broken-link", pages)
    assert sorted((f.page_url, f.message.split(",")[0]) for f in found) == [
        (BASE + "/", f"Links to {BASE}/dead"),
        (BASE + "/", f"Links to {BASE}/gone"),
        (BASE + "/b", f"Links to {BASE}/gone"),
    ]


def test_it_ignores_links_to_pages_that_were_not_crawled():
    assert (
        rule("broken-link", [page("/", links=["https://other.example/x", BASE + "/later"])]) == []
    )


# redirect-chain


def test_it_flags_a_chain_of_two_redirects_on_the_requested_url():
    chained = page(
        "/old",
        final_url=BASE + "/new",
        redirects=[(BASE + "/old", 301), ("https://www.example.com/old", 302)],
    )
    (finding,) = rule("redirect-chain", [chained])
    assert finding.page_url == BASE + "/old"
    assert finding.message == (
        f"2 redirects: {BASE}/old (301) -> https://www.example.com/old (302) -> {BASE}/new (200)"
    )


def test_it_accepts_a_single_redirect():
    single = page("/old", final_url=BASE + "/new", redirects=[(BASE + "/old", 301)])
    assert rule("redirect-chain", [single]) == []
