"""An HTML page parsed once, the way a browser parses it, and shared by every analyzer.

The tree is built by html5-parser (gumbo, the HTML5 tree-construction algorithm)
straight into lxml: misnested tags, implied `<tbody>`, `<p>` closing rules and
content after `</body>` land where Chromium puts them, so a finding's CSS selector
resolves, in DevTools, to the element the finding is about. libxml2's own HTML
parser builds a different tree for such markup. Parsing costs about what
`lxml.html` costs (benchmarks/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urljoin

import html5_parser
from lxml import etree

from apps.web.urls import normalize_url


def parse_html(text: str) -> etree._Element:
    """The `<html>` element of `text` parsed by the HTML5 algorithm (lxml.html elements).

    Names are kept as written (`xml:lang` stays `xml:lang`), as the DOM keeps them.
    A `<template>`'s content is a separate fragment in a browser, outside the
    document tree that selectors and the accessibility tree see, so it is dropped
    here; the empty `<template>` stays so sibling positions still match.
    """
    tree = html5_parser.parse(
        text.replace("\x00", "\ufffd"),
        treebuilder="lxml_html",
        namespace_elements=False,
        sanitize_names=False,
        keep_doctype=False,
    )
    for template in list(tree.iter("template")):
        for child in list(template):
            template.remove(child)
        template.text = None
    return tree


_WS = "\t\n\f\r "
# What the HTML tokenizer lets stand before a doctype: whitespace, comments and `<?...>`
# (a bogus comment), then `<!DOCTYPE name ...>`; a doctype anywhere later is ignored.
_DOCTYPE = re.compile(
    rf"^\ufeff?(?:[{_WS}]+|<!--(?:-?>|.*?--!?>)|<\?[^>]*>)*"
    rf"<!doctype(?:[{_WS}]+|(?=[^>]))([^{_WS}>]*)([^>]*)>",
    re.IGNORECASE | re.DOTALL,
)
_DOCTYPE_IDS = re.compile(
    rf"^[{_WS}]*(public|system)[{_WS}]*(?:\"([^\"]*)\"|'([^']*)')"
    rf"(?:[{_WS}]*(?:\"([^\"]*)\"|'([^']*)'))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Doctype:
    """The document's DOCTYPE as the DOM's `document.doctype` has it."""

    name: str  # lower-cased, as the tokenizer lower-cases it
    public_id: str = ""
    system_id: str = ""


def parse_doctype(text: str) -> Doctype | None:
    """`document.doctype` of `text`: None when the page has none (quirks mode)."""
    match = _DOCTYPE.match(text[:4096])
    if match is None:
        return None
    name, rest = match.group(1).lower(), match.group(2)
    ids = _DOCTYPE_IDS.match(rest)
    if ids is None:
        return Doctype(name)
    first = ids.group(2) if ids.group(2) is not None else ids.group(3) or ""
    second = ids.group(4) if ids.group(4) is not None else ids.group(5) or ""
    if ids.group(1).lower() == "system":
        return Doctype(name, system_id=first)
    return Doctype(name, public_id=first, system_id=second)


@dataclass(frozen=True)
class Anchor:
    """An <a> element with what link checks need."""

    element: etree._Element
    href: str | None  # raw attribute value
    url: str | None  # absolute, normalised; None when not crawlable (javascript:, mailto:, empty)

    @cached_property
    def text(self) -> str:
        """Visible text, whitespace collapsed (computed when first read: the crawler
        needs only the URLs)."""
        return " ".join(self.element.text_content().split())


@dataclass
class HtmlDocument:
    """The lxml tree of one page plus the few values many rules need.

    Build it with `HtmlDocument.parse(text, url)`; the tree is never re-parsed.
    """

    url: str  # final URL of the page (base for relative links)
    tree: etree._Element
    doctype: Doctype | None = None  # the tree has none (parse_html drops it)
    # The decoded text it was parsed from: what another process needs to build the
    # same tree (a tree cannot be pickled), e.g. for main-content extraction.
    text: str = field(default="", repr=False, compare=False)

    @classmethod
    def parse(cls, text: str, url: str) -> HtmlDocument | None:
        """Parse decoded HTML like a browser; None when there is nothing to parse."""
        if not text or not text.strip():
            return None
        return cls(url=url, tree=parse_html(text), doctype=parse_doctype(text), text=text)

    @cached_property
    def base_url(self) -> str:
        base = self.tree.find(".//base[@href]")
        if base is not None:
            try:
                return urljoin(self.url, base.get("href", "").strip())
            except ValueError:  # an unusable <base href>: browsers keep the document URL
                return self.url
        return self.url

    @cached_property
    def title(self) -> str | None:
        """Text of the first <title> in <head>; None when there is none."""
        el = self.tree.find(".//head/title")
        if el is None:
            el = self.tree.find(".//title")
        if el is None:
            return None
        return " ".join((el.text_content() or "").split())

    @cached_property
    def named_metas(self) -> list[tuple[str, str, etree._Element]]:
        """(lower-cased name, content, element) of every <meta name=...>, in document order."""
        return [
            ((el.get("name") or "").strip().lower(), el.get("content") or "", el)
            for el in self.tree.iter("meta")
            if el.get("name") is not None
        ]

    def meta(self, name: str) -> str | None:
        """Content of the first <meta name=...> (case-insensitive name), or None.

        A <meta name> without a content attribute counts as present and empty.
        """
        name = name.lower()
        for meta_name, content, _el in self.named_metas:
            if meta_name == name:
                return content
        return None

    @cached_property
    def anchors(self) -> list[Anchor]:
        out = []
        for el in self.tree.iter("a"):
            href = el.get("href")
            url = None
            if href is not None:
                stripped = href.strip()
                if stripped and not stripped.lower().startswith(
                    ("javascript:", "mailto:", "tel:", "data:", "#")
                ):
                    try:
                        url = normalize_url(urljoin(self.base_url, stripped))
                    except ValueError:  # e.g. "http://[::1/": not a URL a browser follows
                        url = None
            out.append(Anchor(element=el, href=href, url=url))
        return out

    @cached_property
    def links(self) -> list[str]:
        """Unique crawlable outlinks in document order (nofollow links included)."""
        seen: dict[str, None] = {}
        for anchor in self.anchors:
            if anchor.url and anchor.url not in seen:
                seen[anchor.url] = None
        return list(seen)
