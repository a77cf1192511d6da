"""Decoding HTML bytes: header, <meta>, BOM, detection, fallback."""

from __future__ import annotations

import codecs

from apps.web.charset import decode_html

GERMAN_FRENCH = (
    "<html><head><title>Crème brûlée</title></head><body><p>Die Straße nach Köln führt über "
    "München. Les élèves préfèrent le café crème à la française. Ça coûte très cher.</p>"
    "</body></html>"
)


def test_it_uses_the_charset_of_the_content_type_header() -> None:
    body = "<title>Café Müller</title>".encode("iso-8859-1")

    text, encoding = decode_html(body, "text/html; charset=ISO-8859-1")

    assert "Café Müller" in text
    assert encoding == "windows-1252"  # browsers decode iso-8859-1 as its superset


def test_it_accepts_a_quoted_header_charset() -> None:
    text, encoding = decode_html("é".encode(), 'text/html; charset="utf-8"')

    assert (text, encoding) == ("é", "utf-8")


def test_it_uses_meta_charset_when_the_header_has_none() -> None:
    body = '<meta charset="windows-1252"><title>5 € “quoted”</title>'.encode("cp1252")

    text, encoding = decode_html(body, "text/html")

    assert "5 € “quoted”" in text
    assert encoding == "windows-1252"


def test_it_reads_an_http_equiv_content_type_meta() -> None:
    body = (
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15"><p>Prix: 10 €</p>'
    ).encode("iso-8859-15")

    text, encoding = decode_html(body, None)

    assert "10 €" in text
    assert encoding == "iso8859-15"


def test_it_prefers_the_header_over_the_meta_tag() -> None:
    body = '<meta charset="windows-1252"><p>Grüße</p>'.encode()

    text, encoding = decode_html(body, "text/html; charset=utf-8")

    assert "Grüße" in text
    assert encoding == "utf-8"


def test_it_ignores_a_meta_charset_beyond_the_first_2kb() -> None:
    body = ("<!--" + "x" * 2100 + '--><meta charset="windows-1252"><p>Grüße</p>').encode("utf-8")

    text, encoding = decode_html(body, None)

    assert "Grüße" in text
    assert encoding == "utf-8"


def test_it_lets_a_byte_order_mark_override_the_header() -> None:
    body = codecs.BOM_UTF8 + "<p>Grüße</p>".encode()

    text, encoding = decode_html(body, "text/html; charset=iso-8859-1")

    assert text == "<p>Grüße</p>"
    assert encoding == "utf-8"


def test_it_decodes_a_utf16_page_by_its_bom() -> None:
    body = codecs.BOM_UTF16_LE + "<p>Grüße</p>".encode("utf-16-le")

    text, _ = decode_html(body, None)

    assert text == "<p>Grüße</p>"


def test_it_treats_a_meta_claiming_utf16_as_utf8() -> None:
    body = '<meta charset="utf-16"><p>Grüße</p>'.encode()

    text, encoding = decode_html(body, None)

    assert "Grüße" in text
    assert encoding == "utf-8"


def test_it_skips_unknown_labels() -> None:
    body = "<p>Grüße</p>".encode()

    text, encoding = decode_html(body, "text/html; charset=x-no-such-charset")

    assert "Grüße" in text
    assert encoding == "utf-8"


def test_it_decodes_undeclared_utf8() -> None:
    text, encoding = decode_html(GERMAN_FRENCH.encode("utf-8"), "text/html")

    assert text == GERMAN_FRENCH
    assert encoding == "utf-8"


def test_it_detects_undeclared_latin1() -> None:
    text, encoding = decode_html(GERMAN_FRENCH.encode("iso-8859-1"), "text/html")

    assert text == GERMAN_FRENCH
    assert encoding == "windows-1252"


def test_it_never_raises_on_undecodable_bytes() -> None:
    body = bytes(range(256)) * 4

    text, encoding = decode_html(body, "text/html; charset=utf-8")

    assert "\ufffd" in text
    assert encoding == "utf-8"


def test_it_returns_empty_text_for_an_empty_body() -> None:
    assert decode_html(b"", "text/html; charset=iso-8859-1") == ("", "utf-8")
