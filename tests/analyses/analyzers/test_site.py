"""Site rules over page summaries."""

from __future__ import annotations

import pytest

from apps.analyses.analyzers import PageSummary, analyze_site
from apps.web.linkcheck import LinkStatus
from apps.web.robots import RobotsPolicy

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


# duplicate-meta-description, duplicate-h1


def test_it_flags_pages_sharing_a_description_or_first_h1():
    pages = [
        page("/a", facts={"description": "Cheap shoes", "h1": ["Shoes", "More"]}),
        page("/b", facts={"description": "cheap  shoes", "h1": ["Boots"]}),
        page("/c", facts={"description": "Hats", "h1": ["shoes"]}),
        page("/d", status=404, facts={"description": "Hats", "h1": ["Boots"]}),
    ]
    assert [f.page_url for f in rule("duplicate-meta-description", pages)] == [
        BASE + "/a", BASE + "/b"]
    assert [f.page_url for f in rule("duplicate-h1", pages)] == [BASE + "/a", BASE + "/c"]


def test_pages_without_a_description_are_not_duplicates_of_each_other():
    pages = [page("/a", facts={"description": None}), page("/b", facts={"description": " "})]
    assert rule("duplicate-meta-description", pages) == []


# broken-link carries the anchor text


def test_a_broken_link_names_its_anchor_text():
    pages = [page("/", links=[BASE + "/gone"], facts={"anchors": {BASE + "/gone": "Our team"}}),
             page("/gone", status=404)]
    (finding,) = rule("broken-link", pages)
    assert '("Our team")' in finding.message and finding.page_url == BASE + "/"


# redirect-loop


def test_it_reports_a_redirect_loop_with_its_chain():
    pages = [page("/a", status=None, error="redirect_loop", final_url=BASE + "/a",
                  redirects=[(BASE + "/a", 302), (BASE + "/b", 302)])]
    (finding,) = rule("redirect-loop", pages)
    assert "/a (302) -> https://example.com/b (302) -> https://example.com/a" in finding.message


# orphan-page, sitemap-non-indexable


def _sitemap_rule(rule_id, pages, listed):
    return [f for f in analyze_site(pages, sitemap_urls=[BASE + p for p in listed])
            if f.rule_id == rule_id]


def test_a_sitemap_url_no_crawled_page_links_to_is_an_orphan():
    pages = [page("/", depth=0, source="start", links=[BASE + "/linked"]),
             page("/linked", depth=1), page("/orphan", depth=1, source="sitemap"),
             page("/self", depth=1, source="sitemap", links=[BASE + "/self"])]
    found = _sitemap_rule("orphan-page", pages, ["/", "/linked", "/orphan", "/self"])
    assert [f.page_url for f in found] == [BASE + "/orphan", BASE + "/self"]


def test_a_page_linked_by_its_final_url_is_not_an_orphan():
    pages = [page("/", depth=0, source="start", links=[BASE + "/new"]),
             page("/old", depth=1, source="sitemap", final_url=BASE + "/new",
                  redirects=[(BASE + "/old", 301)])]
    assert _sitemap_rule("orphan-page", pages, ["/old"]) == []


def test_it_lists_each_reason_a_sitemap_url_is_not_indexable():
    pages = [
        page("/ok", facts={"canonical": BASE + "/ok"}),
        page("/moved", final_url=BASE + "/new", redirects=[(BASE + "/moved", 301)]),
        page("/gone", status=410),
        page("/hidden", facts={"noindex": True}),
        page("/copy", facts={"canonical": BASE + "/ok"}),
        page("/unlisted", status=404),
    ]
    found = {f.page_url: f.message
             for f in _sitemap_rule("sitemap-non-indexable", pages,
                                    ["/ok", "/moved", "/gone", "/hidden", "/copy"])}
    assert set(found) == {BASE + p for p in ("/moved", "/gone", "/hidden", "/copy")}
    assert "redirects (301)" in found[BASE + "/moved"]
    assert "HTTP 410" in found[BASE + "/gone"]
    assert "noindex" in found[BASE + "/hidden"]
    assert "canonical" in found[BASE + "/copy"]


# canonical-target


def test_a_canonical_pointing_at_a_redirect_error_or_noindex_page_is_flagged():
    pages = [
        page("/a", facts={"canonical": BASE + "/moved"}),
        page("/b", facts={"canonical": BASE + "/gone"}),
        page("/c", facts={"canonical": BASE + "/hidden"}),
        page("/d", facts={"canonical": BASE + "/fine"}),
        page("/e", facts={"canonical": "https://elsewhere.example/"}),
        page("/moved", final_url=BASE + "/fine", redirects=[(BASE + "/moved", 301)]),
        page("/gone", status=404),
        page("/hidden", facts={"noindex": True}),
        page("/fine"),
    ]
    assert [f.page_url for f in rule("canonical-target", pages)] == [
        BASE + "/a", BASE + "/b", BASE + "/c"]


# deep-page


def test_it_flags_pages_four_clicks_deep_but_not_sitemap_finds():
    pages = [page("/", depth=0), page("/3", depth=3), page("/4", depth=4),
             page("/s", depth=5, source="sitemap"), page("/e", depth=6, status=404)]
    assert [f.page_url for f in rule("deep-page", pages)] == [BASE + "/4"]


# external-broken-link, total-byte-weight


def test_it_flags_each_page_linking_to_a_broken_external_url_with_the_link_text():
    gone, fine, dead = ("https://other.example/gone", "https://other.example/",
                        "https://dead.example/")
    pages = [page("/", links=[gone, fine, dead], facts={"anchors": {gone: "Old partner"}}),
             page("/b", links=[gone, "https://unchecked.example/"])]
    checked = {gone: LinkStatus(gone, 404, method="GET"), fine: LinkStatus(fine, 200),
               dead: LinkStatus(dead, None, "dns")}
    found = [f for f in analyze_site(pages, checked=checked) if f.rule_id == "external-broken-link"]
    assert [(f.page_url, f.message) for f in found] == [
        (BASE + "/", f'Links to {gone} ("Old partner"), which answered HTTP 404.'),
        (BASE + "/", f"Links to {dead}, which did not answer (dns)."),
        (BASE + "/b", f"Links to {gone}, which answered HTTP 404."),
    ]


def test_a_page_over_lighthouses_median_weight_is_flagged():
    heavy = {"weight": {"html_bytes": 50_000, "resources": 3, "resources_sized": 2,
                        "total_bytes": 5_000_000}}
    light = {"weight": {"html_bytes": 50_000, "resources": 3, "resources_sized": 3,
                        "total_bytes": 900_000}}
    found = rule("total-byte-weight", [page("/heavy", facts=heavy), page("/light", facts=light)])
    assert [f.page_url for f in found] == [BASE + "/heavy"]
    assert "2 of 3 resources sized" in found[0].message


# robots-txt


def _robots_rule(**policy):
    policy.setdefault("robots_url", BASE + "/robots.txt")
    policy.setdefault("mode", "rules")
    robots = RobotsPolicy(reason="test", **policy)
    pages = [page("/", depth=0, source="start"), page("/a")]
    return [f for f in analyze_site(pages, robots=robots) if f.rule_id == "robots-txt"]


def test_each_invalid_robots_line_is_a_finding_on_the_start_page():
    found = _robots_rule(status=200, text="User-agent: *\nDisalow: /x\nDisallow: y\n")
    assert [(f.page_url, f.message, f.snippet) for f in found] == [
        (BASE + "/", "Line 2: Unknown directive.", "2: Disalow: /x"),
        (BASE + "/", 'Line 3: Pattern should either be empty, start with "/" or "*".',
         "3: Disallow: y"),
    ]


@pytest.mark.parametrize(("policy", "count"), [
    ({"status": 503, "mode": "disallow_all"}, 1),
    ({"status": 429, "mode": "disallow_all"}, 1),
    ({"status": 404, "mode": "allow_all"}, 0),
    ({"status": 200, "text": ""}, 0),
    ({"status": None, "error": "timeout", "mode": "disallow_all"}, 1),
    ({"status": 200, "text": "User-agent: *\nDisallow:\n"}, 0),
])
def test_robots_status_decides_as_lighthouse_does(policy, count):
    assert len(_robots_rule(**policy)) == count
