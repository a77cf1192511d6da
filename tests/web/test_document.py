"""HtmlDocument: the doctype as the browser's document.doctype, and unusable URLs."""

from __future__ import annotations

import pytest

from apps.web.document import Doctype, HtmlDocument, parse_doctype


@pytest.mark.parametrize(("text", "expected"), [
    ("<!DOCTYPE html><html>", Doctype("html")),
    ("\n  <!-- c --><!doctype HTML>", Doctype("html")),
    ('<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
     '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
     Doctype("html", public_id="-//W3C//DTD XHTML 1.0 Strict//EN",
             system_id="http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd")),
    ('<!DOCTYPE html SYSTEM "about:legacy-compat">', Doctype("html", system_id="about:legacy-compat")),
    ("<html><body>no doctype", None),
    ("<p>text</p><!DOCTYPE html>", None),
])
def test_it_reads_the_doctype_the_browser_would_report(text, expected):
    assert parse_doctype(text) == expected


def test_hrefs_that_are_no_urls_are_not_links_and_a_bad_base_is_ignored():
    document = HtmlDocument.parse('<base href="http://[::1"><a href="http://[::1/">x</a>'
                                  '<a href="/ok">y</a>', "https://example.com/page")
    assert document.base_url == "https://example.com/page"
    assert [a.url for a in document.anchors] == [None, "https://example.com/ok"]
