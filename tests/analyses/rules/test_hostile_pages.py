"""Pathological pages: every page rule finishes on each, and one page cannot flood storage."""

from __future__ import annotations

import pytest

from apps.analyses.analyzers import run_page_rules
from tests.support.rule_fixtures import FIXTURE_URL, Fixture, crawled

HOSTILE = {
    "only-scripts": "<script>var a=1;</script>" * 2000,
    "ten-thousand-links": "<!doctype html><body>"
    + "".join(f'<a href="/p{i}">here</a>' for i in range(10_000)),
    "five-thousand-same-id": "<!doctype html><body>"
    + '<input id="x"><label for="x"></label>' * 5000,
    "deep-nesting": "<!doctype html><body>" + "<div><span>" * 5000 + "deep" + "</span></div>" * 5000,
    "invalid-utf8-decoded": "<!doctype html><title>\ufffd\ufffd</title><body><p>\udcff</p>".encode(
        "utf-8", "surrogateescape"
    ).decode("utf-8", "replace"),
    "nul-bytes": "<!doctype html><body><p>a\x00b</p><img src=x\x00>",
    "base-elsewhere": '<!doctype html><base href="https://elsewhere.example/"><body>'
    '<a href="page">x</a><img src="i.png">',
    "svg-and-mathml": "<!doctype html><body><svg><title></title><a><text>x</text></a>"
    "<foreignObject><p><img src=a></p></foreignObject></svg>"
    "<math><mi>x</mi><annotation-xml encoding='text/html'><img src=b></annotation-xml></math>",
    "unclosed-everything": "<!doctype html><body><table><tr><td><ul><li><select><option>"
    "<textarea><p><h1><button><a href=#>",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_rule_finishes_without_error_on_a_hostile_page(name):
    page = crawled(Fixture(path=None, rule_id="", html=HOSTILE[name], url=FIXTURE_URL, headers={}))
    result = run_page_rules(page)
    assert result.errors == []
    # The parser built a tree whatever came in.
    assert page.document is not None
