"""Page facts: what site rules compare across pages, extracted once per page."""

from __future__ import annotations

from apps.analyses.analyzers.facts import page_facts, page_weight
from apps.web.directives import RobotsDirectives
from apps.web.document import HtmlDocument
from apps.web.types import CrawledPage

URL = "https://example.com/shop/shoes"


def crawled(html: str, headers: dict | None = None, status: int = 200) -> CrawledPage:
    document = HtmlDocument.parse(html, URL)
    headers = headers or {}
    robots = RobotsDirectives.parse(document.named_metas if document else (),
                                    [headers["x-robots-tag"]] if "x-robots-tag" in headers
                                    else [])
    return CrawledPage(url=URL, depth=1, final_url=URL, status=status, content_type="text/html",
                       headers=headers, document=document, robots=robots)


def test_it_extracts_description_h1s_canonical_and_link_texts():
    facts = page_facts(crawled(
        '<html><head><meta name="Description" content="  Cheap\n shoes "><link rel="canonical" '
        'href="/shop/shoes?ref=x"></head><body><h1>Shoes</h1><h1> Sale </h1>'
        '<a href="/a">First  text</a><a href="/a">Second</a><a href="#top">Top</a></body></html>'
    ))
    assert facts["description"] == "Cheap shoes"
    assert facts["h1"] == ["Shoes", "Sale"]
    assert facts["canonical"] == "https://example.com/shop/shoes?ref=x"
    assert facts["anchors"] == {"https://example.com/a": "First text"}
    assert facts["noindex"] is False


def test_a_canonical_in_the_body_is_ignored_and_the_link_header_is_the_fallback():
    html = '<html><head></head><body><link rel="canonical" href="https://other.example/"></body>'
    assert page_facts(crawled(html))["canonical"] is None
    headers = {"link": '<https://example.com/preload.css>; rel=preload, '
                       '<https://example.com/shop/>; rel="canonical"'}
    assert page_facts(crawled(html, headers))["canonical"] == "https://example.com/shop/"


def test_noindex_for_every_search_engine_marks_the_page():
    meta = '<html><head><meta name="robots" content="noindex"></head><body></body></html>'
    assert page_facts(crawled(meta))["noindex"] is True
    only_google = '<html><head><meta name="googlebot" content="noindex"></head></html>'
    assert page_facts(crawled(only_google))["noindex"] is False
    header = crawled("<html><body>x</body></html>", {"x-robots-tag": "none"})
    assert page_facts(header)["noindex"] is True


def test_a_page_without_a_body_has_no_content_facts():
    page = CrawledPage(url=URL, depth=1, status=404)
    assert page_facts(page) == {}


def test_it_lists_the_resources_a_browser_downloads_and_sums_their_known_sizes():
    facts = page_facts(crawled(
        '<html><head><base href="/static/"><link rel="stylesheet" href="site.css">'
        '<link rel="preload" as="font" href="f.woff2"><link rel="icon" href="i.png">'
        '<script src="app.js"></script><script>inline()</script></head><body>'
        '<img src="a.png"><img src="a.png"><img src="data:image/gif;base64,R0lG"><img></body>'
    ))
    base = "https://example.com/static/"
    assert facts["resources"] == {"images": [base + "a.png"], "scripts": [base + "app.js"],
                                  "stylesheets": [base + "site.css"], "fonts": [base + "f.woff2"]}
    weight = page_weight(facts, 1000, {base + "a.png": 5000, base + "app.js": None})
    assert weight == {"html_bytes": 1000, "resources": 4, "resources_sized": 1,
                      "total_bytes": 6000}
