"""Small, pure helpers over an lxml tree shared by the rules and the registry.

They live apart from `HtmlDocument` so the crawler's parsed-document type stays
small; the per-page caches that make them cheap (the hidden set, id counts and
lookup, name text) are kept on `PageContext`, which is rebuilt for every page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping

from lxml import etree

SNIPPET_LIMIT = 200

# Elements whose content is never rendered in a browser running scripts, so it
# never contributes to what a user (or a screen reader) perceives.
_NON_RENDERED_TAGS = frozenset({"script", "style", "template", "noscript"})
# Inline styles that remove an element from the accessibility tree. Only inline
# styles can be seen without a browser; stylesheet-hidden content is missed.
_HIDDEN_STYLE = re.compile(
    r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.IGNORECASE
)
_CSS_IDENT_SAFE = re.compile(r"[A-Za-z0-9_\-\u0080-\U0010ffff]")
_PLAIN_IDENT = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*")


def elements(tree: etree._Element, *tags: str) -> Iterator[etree._Element]:
    """Element nodes only (no comments or processing instructions), optionally by tag."""
    for el in tree.iter(*tags) if tags else tree.iter():
        if isinstance(el.tag, str):
            yield el


def id_counts(tree: etree._Element) -> Counter[str]:
    """How many elements carry each non-empty id value."""
    return Counter(el.get("id") for el in elements(tree) if el.get("id"))


def css_escape(ident: str) -> str:
    """Serialise `ident` as a CSS identifier (CSSOM "serialize an identifier")."""
    if _PLAIN_IDENT.fullmatch(ident):
        return ident  # the common case: nothing to escape
    out = []
    for i, ch in enumerate(ident):
        code = ord(ch)
        if code == 0:
            out.append("\ufffd")
        elif (0x01 <= code <= 0x1F or code == 0x7F) or (
            ch.isdigit() and ch.isascii() and (i == 0 or (i == 1 and ident[0] == "-"))
        ):
            out.append(f"\\{code:x} ")
        elif i == 0 and ch == "-" and len(ident) == 1:
            out.append("\\-")
        elif _CSS_IDENT_SAFE.match(ch):
            out.append(ch)
        else:
            out.append("\\" + ch)
    return "".join(out)


def css_selector(element: etree._Element, ids: Mapping[str, int] | None = None) -> str:
    """A CSS selector that matches `element` and, in practice, only it.

    Like axe-core: `#id` when the element's id is unique in the document;
    otherwise a child-combinator path from the nearest ancestor with a unique
    id (or from `html`), each step pinned with `:nth-child`. `html`, `head` and
    `body` need no position as the parser makes exactly one of each.
    `ids` is the document's id -> count map; computed here when not given.
    """
    if ids is None:
        ids = id_counts(element.getroottree().getroot())
    steps: list[str] = []
    el: etree._Element | None = element
    while el is not None and isinstance(el.tag, str):
        el_id = el.get("id")
        if el_id and ids.get(el_id, 0) == 1:
            steps.append("#" + css_escape(el_id))
            break
        tag = css_escape(el.tag.lower())
        parent = el.getparent()
        if parent is None or el.tag in ("html", "head", "body"):
            steps.append(tag)
        else:
            # Counted by XPath in C: element siblings only (no comments), and no
            # Python proxy per sibling, which matters on long flat lists.
            position = 1 + int(el.xpath("count(preceding-sibling::*)"))
            steps.append(f"{tag}:nth-child({position})")
        el = parent
    return " > ".join(reversed(steps))


def opening_tag(element: etree._Element, limit: int = SNIPPET_LIMIT) -> str:
    """The element's start tag as HTML, cut to about `limit` characters.

    Only the start tag: it identifies the element without dragging its whole
    subtree (possibly the page body) into every stored finding.
    """
    parts = [f"<{element.tag}"]
    for name, value in element.attrib.items():
        value = " ".join(value.split()).replace("&", "&amp;").replace('"', "&quot;")
        parts.append(f' {name}="{value}"')
    parts.append(">")
    text = "".join(parts)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def hides_subtree(el: etree._Element) -> bool:
    """Whether this element alone takes itself and its descendants out of view."""
    if el.tag in _NON_RENDERED_TAGS:
        return True
    if el.get("hidden") is not None:
        return True
    if (el.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def role(el: etree._Element) -> str:
    """The first token of the role attribute, lower-cased ("" when none)."""
    tokens = (el.get("role") or "").split()
    return tokens[0].lower() if tokens else ""


def content_text(el: etree._Element) -> str:
    """Approximate accessible name computed from content (accname step 2F).

    Text nodes, `alt` of images inside, and `aria-label` of descendants that
    carry one; hidden descendants and non-rendered content are skipped.
    Whitespace is collapsed.
    """
    out: list[str] = []
    _collect_text(el, out, is_root=True)
    return " ".join(" ".join(out).split())


def _collect_text(el: etree._Element, out: list[str], is_root: bool) -> None:
    if not is_root:
        if hides_subtree(el):
            return
        label = (el.get("aria-label") or "").strip()
        if label:
            out.append(label)
            return
        if el.tag in ("img", "area") or (
            el.tag == "input" and (el.get("type") or "").lower() == "image"
        ):
            out.append(el.get("alt") or "")
            return
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            _collect_text(child, out, is_root=False)
        if child.tail:
            out.append(child.tail)
