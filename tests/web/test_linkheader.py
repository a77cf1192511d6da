"""The HTTP Link header parser (RFC 8288)."""

from __future__ import annotations

import pytest

from apps.web.linkheader import parse_link_header


def test_it_reads_several_links_with_their_parameters():
    links = parse_link_header('<https://a.test/x>; rel="canonical", '
                              '<https://a.test/de>; rel=alternate; hreflang="de-DE"')
    assert [(link.target, link.rels, link.params.get("hreflang")) for link in links] == [
        ("https://a.test/x", ("canonical",), None),
        ("https://a.test/de", ("alternate",), "de-DE"),
    ]


def test_quoted_values_may_hold_commas_and_semicolons_and_rel_may_hold_several():
    (link,) = parse_link_header('<https://a.test/a,b>; REL="Canonical Prev"; title="x;y, z"')
    assert link.target == "https://a.test/a,b"
    assert link.rels == ("canonical", "prev")
    assert link.params["title"] == "x;y, z"


@pytest.mark.parametrize("value", ["", "garbage", "rel=canonical"])
def test_a_value_without_a_bracketed_target_has_no_links(value):
    assert parse_link_header(value) == []
