"""Main-content extraction: trafilatura on the crawler's tree, with the fixes it needs.

trafilatura (the reference extractor, Barbaresi 2021) decides what is main content:
it drops navigation, headers, footers, sidebars, cookie and share widgets and
related-link blocks, and falls back to readability- and jusText-style extraction
when its own pass finds too little. It runs here on the HTML5 tree the crawler
already built (the same tree the rules read, so no second parse and the right
charset: apps.web.charset decoded the bytes), on a copy, after a preparation
that fixes what it gets wrong on real pages:

* HTML comments are removed *keeping the text after them*: trafilatura deletes a
  comment with its tail, so `<a>…</a><!-- x --> and more text` lost "and more
  text" (mdBook and many CMS templates put comments inside paragraphs).
* Content hidden from everyone (`hidden`, inline `display:none` or
  `visibility:hidden`) is removed: a browser shows none of it.
* Links and images are made absolute against the document's base URL as a
  browser resolves them (`<base href>` included); trafilatura's own joining
  drops a path segment ("https://x#frag").
* A heading's own permalink (`<h2><a href="#x">Title</a></h2>`) is unwrapped, so
  the Markdown heading is "## Title", not a link to itself.

The Markdown is trafilatura's CommonMark writer (headings, paragraphs, lists,
tables, code blocks, block quotes, images with alt text, links).
"""

from __future__ import annotations

import contextvars
import copy
import functools
import re
from collections import Counter
from dataclasses import dataclass
from hashlib import blake2b
from urllib.parse import urldefrag, urljoin

from lxml import etree

from apps.web.document import HtmlDocument

_HIDING_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
_WORDS = re.compile(r"\w+")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(frozen=True)
class MainContent:
    """A page's main content: Markdown for reading, plain text for measuring, and the
    prose alone (no code blocks, no tables) for readability."""

    markdown: str
    text: str
    prose: str = ""

    @property
    def empty(self) -> bool:
        return not self.text.strip()


EMPTY = MainContent(markdown="", text="", prose="")


def extract_main(document: HtmlDocument | None, *, consume: bool = False) -> MainContent:
    """The main content of a parsed page (empty when there is none to find).

    Two passes. trafilatura judges a page differently when it keeps links and images
    (its link-density and caption heuristics change): on news pages the plain pass is
    the more accurate, on documentation the rich pass keeps code listings the plain
    one drops (benchmarks/extraction). So the rich pass (links and images kept) is
    used when it keeps nearly everything the plain pass found (it may add text: code,
    captions); otherwise the plain pass, whose Markdown then has no links or images.

    The document's tree is left as it was, unless `consume` says nobody reads it
    afterwards (a content worker's own parse): it is then prepared in place instead
    of on a copy.
    """
    if document is None:
        return EMPTY
    tree = _prepared(document, copy_tree=not consume)
    token = _readability_memo.set({})
    try:
        # trafilatura works on its own copy of the tree it is given: both passes read
        # the one prepared tree.
        plain = _extract(tree, document.url, rich=False)
        rich = _extract(tree, document.url, rich=True)
    finally:
        _readability_memo.reset(token)
    if plain is None and rich is None:
        return EMPTY
    if rich is None:
        body, (text, flat) = plain, _plain_text(plain)
    elif plain is None:
        body, (text, flat) = rich, _plain_text(rich)
    else:
        rich_text, plain_text = _plain_text(rich), _plain_text(plain)
        keep_rich = _keeps(rich_text[0], plain_text[0])
        body, (text, flat) = (rich, rich_text) if keep_rich else (plain, plain_text)
    return MainContent(markdown=_markdown(body), text=text, prose=_prose(flat, text))


AGREEMENT = 0.02  # share of the plain pass's words the rich pass may lack

# Both passes ask readability (trafilatura's fallback extractor) about the same raw
# tree, and its answer does not depend on the links and images options: within one
# `extract_main` it is computed once, for identical input bytes, and each caller gets
# its own copy (about an eighth of a page's extraction). Outside `extract_main`
# trafilatura behaves as shipped.
_readability_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "readability_memo", default=None)
_try_readability = None  # trafilatura's own, once it is loaded


def _memoized_readability(htmlinput):
    memo = _readability_memo.get()
    if memo is None:
        return _try_readability(htmlinput)
    key = blake2b(etree.tostring(htmlinput), digest_size=16).digest()
    if key not in memo:
        memo[key] = _try_readability(htmlinput)
    return copy.deepcopy(memo[key])


@functools.cache
def _trafilatura():
    """trafilatura, imported on the first extraction: about 45 MiB that the analysis's
    own process, whose pages the content workers extract, does not load."""
    global _try_readability
    import trafilatura
    import trafilatura.external
    import trafilatura.xml

    _try_readability = trafilatura.external.try_readability
    trafilatura.external.try_readability = _memoized_readability
    return trafilatura


def warm() -> None:
    """Load trafilatura now: a process that forks workers calls it first, so they share
    it instead of each importing its own."""
    _trafilatura()


def xmltotxt(tree: etree._Element, *, include_formatting: bool) -> str:
    return _trafilatura().xml.xmltotxt(tree, include_formatting=include_formatting)


def _extract(tree: etree._Element, url: str, *, rich: bool) -> etree._Element | None:
    # "txt", not "python": the python format also writes the body out as text, which
    # is not used here (the body is); the body is the same for both.
    result = _trafilatura().bare_extraction(
        tree, url=url, output_format="txt", include_comments=False, include_tables=True,
        include_images=rich, include_links=rich, include_formatting=True, with_metadata=False,
        deduplicate=False,
    )
    body = getattr(result, "body", None)
    if body is None or not len(body) or not _own_text(body):
        return None
    return body


def _plain_text(body: etree._Element) -> tuple[str, etree._Element]:
    """The text of an extraction, and the text-only copy of its tree it was read from."""
    plain = copy.deepcopy(body)
    etree.strip_tags(plain, "ref")  # link texts stay, targets go
    for graphic in list(plain.iter("graphic")):
        _remove_keeping_tail(graphic)
    # xmltotxt without formatting only reads the tree
    return xmltotxt(plain, include_formatting=False).strip(), plain


_NOT_PROSE = "code", "table"
_HOLDS_PROSE = "p", "item", "cell", "hi", "head", "quote"


def _prose(plain: etree._Element, text: str) -> str:
    """The prose of a text-only extraction tree (`text` is its whole text): its text
    without code blocks or tables (computed only for the pass that is kept)."""
    blocks = [el for el in plain.iter(*_NOT_PROSE) if el.getparent() is not None
              and el.getparent().tag not in _HOLDS_PROSE]
    if not blocks:
        return text
    for block in blocks:
        _remove_keeping_tail(block)
    return xmltotxt(plain, include_formatting=False).strip()


def _keeps(candidate: str, reference: str) -> bool:
    """Whether `candidate` has all but AGREEMENT of `reference`'s words."""
    if candidate == reference:
        return True
    ours, theirs = Counter(_WORDS.findall(candidate)), Counter(_WORDS.findall(reference))
    return sum((theirs - ours).values()) <= AGREEMENT * max(1, sum(theirs.values()))


_TEXT_OUTSIDE_LINKS = etree.XPath(".//text()[not(ancestor::ref)]")


def _own_text(body: etree._Element) -> bool:
    """Whether the content has text outside links: link lists alone are navigation."""
    return any(text.strip() for text in _TEXT_OUTSIDE_LINKS(body))


def _markdown(body: etree._Element) -> str:
    """trafilatura's Markdown, with block quotes written as quotes (its writer prints a
    quote as a plain paragraph)."""
    quotes = {}
    for quote in list(body.iter("quote")):
        if quote.getparent() is None or any(a.tag == "quote" for a in quote.iterancestors()):
            continue
        inner = etree.Element("body")
        inner.extend(copy.deepcopy(child) for child in quote)
        inner.text = quote.text
        quoted = xmltotxt(inner, include_formatting=True).strip()
        token = f"SITELENSQUOTE{len(quotes)}X"
        quotes[token] = "\n".join(f"> {line}" if line else ">" for line in quoted.splitlines())
        placeholder = etree.Element("p")
        placeholder.text = token
        placeholder.tail = quote.tail
        quote.getparent().replace(quote, placeholder)
    markdown = xmltotxt(body, include_formatting=True).strip()
    for token, quoted in quotes.items():
        markdown = markdown.replace(token, quoted)
    return markdown


def _prepared(document: HtmlDocument, *, copy_tree: bool = True) -> etree._Element:
    """The page's tree (a copy unless `copy_tree` is False) made ready for trafilatura
    (see the module docstring)."""
    tree = copy.deepcopy(document.tree) if copy_tree else document.tree
    etree.strip_tags(tree, etree.Comment)  # removes the comments, keeps their tails
    for el in list(tree.iter()):
        if not isinstance(el.tag, str):
            continue  # processing instructions
        if el.get("hidden") is not None or _HIDING_STYLE.search(el.get("style") or ""):
            if el.getparent() is not None and el.tag not in ("html", "body"):
                _remove_keeping_tail(el)
    base = document.base_url
    page = urldefrag(document.url)[0]
    for el in tree.iter("a", "img"):
        attr = "href" if el.tag == "a" else "src"
        value = (el.get(attr) or "").strip()
        if value and not value.lower().startswith(("javascript:", "data:", "mailto:", "tel:")):
            try:
                el.set(attr, urljoin(base, value))
            except ValueError:
                el.attrib.pop(attr, None)
    for heading in tree.iter(*_HEADINGS):
        for anchor in list(heading.iter("a")):
            href = anchor.get("href") or ""
            if not href or urldefrag(href)[0] == page:
                anchor.drop_tag()
    return tree


def _remove_keeping_tail(el: etree._Element) -> None:
    parent = el.getparent()
    tail = el.tail
    previous = el.getprevious()
    parent.remove(el)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
