"""Turn the bytes of an HTML response into text, the way a browser would.

Order of evidence (first usable one wins):

1. a byte-order mark: a BOM is unambiguous and browsers let it override
   everything else (WHATWG "BOM sniff"), so we do too;
2. the ``charset`` parameter of the Content-Type header;
3. ``<meta charset>`` or ``<meta http-equiv="Content-Type" content="...; charset=...">``
   within the first 2 KB (the WHATWG pre-scan window is 1024 bytes; 2 KB also
   catches pages with a long ``<head>`` preamble);
4. strict UTF-8 (cheap, and by far the most common undeclared encoding);
5. charset-normalizer's detection;
6. UTF-8 with replacement characters, so decoding never fails.

Labels are mapped like browsers map them: ``iso-8859-1``/``latin1``/``ascii`` mean
windows-1252 (a superset that also gives “ ” € their meaning), and a ``<meta>``
that claims UTF-16 means UTF-8 (the bytes being ASCII-compatible proves it wrong).
The encoding returned is the one actually used to decode, by its WHATWG name
where we know it (``utf-8``, ``windows-1252``, ...), else the Python codec name.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

PRESCAN_BYTES = 2048
DETECTION_BYTES = 64 * 1024  # enough evidence for detection; keeps it fast on big pages

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels whose browser meaning differs from Python's codec of the same name.
_BROWSER_ALIASES: dict[str, str] = {
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "iso_8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "l1": "windows-1252",
    "ascii": "windows-1252",
    "us-ascii": "windows-1252",
    "iso-8859-9": "windows-1254",
    "latin5": "windows-1254",
    "tis-620": "windows-874",
    "iso-8859-11": "windows-874",
    "x-user-defined": "windows-1252",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-sjis": "shift_jis",
    "gb2312": "gbk",  # browsers decode gb2312 as gbk (a superset)
}

# Python codec names (codecs.lookup(...).name) -> the name we report.
_REPORTED_NAMES: dict[str, str] = {
    "utf-8": "utf-8",
    "cp1252": "windows-1252",
    "cp1250": "windows-1250",
    "cp1251": "windows-1251",
    "cp1253": "windows-1253",
    "cp1254": "windows-1254",
    "cp1255": "windows-1255",
    "cp1256": "windows-1256",
    "cp1257": "windows-1257",
    "cp1258": "windows-1258",
    "cp874": "windows-874",
    "utf-16-le": "utf-16le",
    "utf-16-be": "utf-16be",
}

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^\s"';,]+)""", re.IGNORECASE)
# Matches both <meta charset="x"> and <meta http-equiv=... content="...charset=x">.
_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:\-]+)""", re.IGNORECASE
)


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML body; returns (text, encoding used). Never raises.

    `content_type` is the raw Content-Type header value (or None when absent).
    """
    if not body:
        return "", "utf-8"

    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), _reported(name)

    declared = charset_from_content_type(content_type) if content_type else None
    if declared:
        return body.decode(declared, errors="replace"), _reported(declared)

    declared = charset_from_meta(body[:PRESCAN_BYTES])
    if declared:
        return body.decode(declared, errors="replace"), _reported(declared)

    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass

    detected = _detect(body)
    if detected:
        return body.decode(detected, errors="replace"), _reported(detected)

    return body.decode("utf-8", errors="replace"), "utf-8"


def charset_from_content_type(value: str) -> str | None:
    """Python codec name for the charset parameter of a Content-Type value, if usable."""
    match = _HEADER_CHARSET.search(value)
    return resolve_label(match.group(1)) if match else None


def charset_from_meta(head: bytes) -> str | None:
    """Python codec name declared by a <meta> in `head` (the first bytes of the page)."""
    for match in _META_CHARSET.finditer(head):
        name = resolve_label(match.group(1).decode("ascii", errors="ignore"))
        if name is None:
            continue
        # A meta tag we could read as ASCII cannot be UTF-16: browsers use UTF-8 then.
        if name.startswith("utf-16"):
            return "utf-8"
        return name
    return None


def resolve_label(label: str) -> str | None:
    """Map an encoding label to the Python codec browsers would use; None if unknown."""
    cleaned = label.strip().strip("\"'").lower()
    if not cleaned:
        return None
    cleaned = _BROWSER_ALIASES.get(cleaned, cleaned)
    try:
        info = codecs.lookup(cleaned)
    except LookupError:
        return None
    name = info.name
    # Python's "latin-1"/"ascii" may come back through other aliases: same rule applies.
    return _BROWSER_ALIASES.get(name, name) if name in ("iso8859-1", "latin-1", "ascii") else name


def _detect(body: bytes) -> str | None:
    """charset-normalizer's guess, preferring windows-1252 among equally good candidates.

    On short Western European texts several single-byte code pages score exactly
    the same and the library's first pick (often cp1250) garbles è/ì/ò; browsers
    fall back to windows-1252 in that situation, so we do as well.
    """
    matches = charset_normalizer.from_bytes(body[:DETECTION_BYTES])
    best = matches.best()
    if best is None:
        return None
    for match in matches:
        if (
            match.encoding == "cp1252"
            and match.chaos == best.chaos
            and match.coherence == best.coherence
        ):
            return resolve_label("cp1252")
    return resolve_label(best.encoding)


def _reported(codec_name: str) -> str:
    name = codecs.lookup(codec_name).name
    return _REPORTED_NAMES.get(name, name)
