"""Every finding's selector, pasted into Chromium's DevTools, finds the flagged element.

For each rule fixture (tests/analyses/rules/fixtures) and each markup-oddity page
below: serve the HTML from a loopback server, open it in Chromium, and for every
finding our analyzer reports (any rule) check that `document.querySelectorAll`
returns exactly one element, and that it is the element our own tree flagged:
same tag, same attributes, same text. Our tree comes from the HTML5 parser;
libxml2's HTML parser fails this for misnested markup.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from apps.analyses.analyzers import analyze_page
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.http_server import LocalHTTPServer, Reply
from tests.support.rule_fixtures import FIXTURE_URL, Fixture, all_fixtures, crawled, resolve

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Markup whose tree libxml2 builds differently from a browser.
ODD_PAGES = {
    "misnested": "<!doctype html><html><head><title>t</title></head><body>"
    "<p>one<div><img src=a.png></div><b><i>x</b><img src=b.png></i>"
    "<ul><li>a<li>b<img src=c.png></ul></body></html>",
    "table-foster": "<!doctype html><html lang=en><head><title>t</title></head><body>"
    "<table><img src=a.png><tr><td><img src=b.png>cell</table>"
    "<table><tr><th></th><td>x</td></tr></table></body></html>",
    "after-body": "<!doctype html><html lang=en><head><title>t</title></head><body>"
    "<p>x</p></body><img src=after.png><a href=/x></a></html><p><img src=last.png>",
    "quirks-p-table": "<html><head><title>t</title></head><body>"
    "<p>para<table><tr><td><img src=q.png></td></tr></table><h4></h4></body></html>",
    "head-content": "<!doctype html><html><head><title>t</title><img src=early.png>"
    "<meta name=viewport content='user-scalable=no'></head><body><h3></h3></body></html>",
}

SIGNATURE_JS = """(sel) => {
  const found = document.querySelectorAll(sel);
  return Array.from(found).map(el => [el.localName,
    Array.from(el.attributes).map(a => [a.name, a.value]).sort(),
    el.textContent.replace(/\\s+/g, ' ').trim().slice(0, 80)]);
}"""


def _signature(el) -> list:
    text = " ".join("".join(el.itertext()).split())[:80]
    return [el.tag, sorted([k, v] for k, v in el.attrib.items()), text]


def _pages():
    for fixture in all_fixtures():
        if 'http-equiv="refresh"' in fixture.html.lower():
            continue  # the page navigates away in the browser before it can be queried
        yield fixture.name, fixture.html, crawled(fixture)
    for name, html in ODD_PAGES.items():
        yield name, html, crawled(Fixture(path=None, rule_id="", html=html,
                                          url=FIXTURE_URL, headers={}))


def test_every_reported_selector_finds_the_flagged_element_in_chromium():
    pages = list(_pages())
    checked = 0
    problems = []
    with LocalHTTPServer() as server, sync_playwright() as playwright:
        for index, (_name, html, _page) in enumerate(pages):
            server.route(f"/{index}", Reply(200, html, {"Content-Type": "text/html; charset=utf-8"}))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = browser.new_page(java_script_enabled=True)
        try:
            for index, (name, _html, page) in enumerate(pages):
                tab.goto(server.url(f"/{index}"))
                for finding in analyze_page(page):
                    if not finding.selector:
                        continue
                    ours = resolve(finding.selector, page)
                    theirs = tab.evaluate(SIGNATURE_JS, finding.selector)
                    checked += 1
                    if len(theirs) != 1 or len(ours) != 1 or theirs[0] != _signature(ours[0]):
                        problems.append((name, finding.rule_id, finding.selector, theirs[:2]))
        finally:
            browser.close()
    assert checked > 20
    assert problems == []
