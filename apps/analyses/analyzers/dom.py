"""Small, pure helpers over an lxml tree shared by the rules and the registry.

They live apart from `HtmlDocument` so the crawler's parsed-document type stays
small; the per-page caches that make them cheap (the hidden set, id counts and
lookup, name text) are kept on `PageContext`, which is rebuilt for every page.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container, Iterator, Mapping

from lxml import etree

from apps.analyses.analyzers import aria

SNIPPET_LIMIT = 200

# Elements never rendered in a browser running scripts (noscript), or display:none
# in the HTML standard's user-agent stylesheet (head, meta, title...), so they never
# contribute to what a user (or a screen reader) perceives. <area> is left out: axe
# judges it by its image.
_NON_RENDERED_TAGS = frozenset(
    {"script", "style", "template", "noscript", "head", "base", "basefont", "datalist",
     "link", "meta", "noembed", "noframes", "param", "rp", "title"}
)
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


def hidden_for_everyone(el: etree._Element, sheet: StyleHiding | None = None) -> bool:
    """Whether this element alone takes itself and its subtree out of the rendering
    (axe's isHiddenForEveryone, from markup): not rendered (script, style,
    template, noscript), the hidden attribute, inline display:none or
    visibility:hidden, or a page stylesheet rule that `sheet` can decide."""
    if el.tag in _NON_RENDERED_TAGS:
        return True
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    return sheet is not None and sheet.hides(el)


def aria_hidden(el: etree._Element) -> bool:
    return (el.get("aria-hidden") or "").strip().lower() == "true"


def hides_subtree(el: etree._Element, sheet: StyleHiding | None = None) -> bool:
    """Whether this element alone takes itself and its subtree out of the
    accessibility tree: hidden for everyone, or aria-hidden="true"."""
    return aria_hidden(el) or hidden_for_everyone(el, sheet)


_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_HIDING_DECLARATION = re.compile(
    r"(?:^|;|\{)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)",
    re.IGNORECASE,
)
_SIMPLE_SELECTOR = re.compile(
    r"^(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)?(?P<rest>(?:[.#][A-Za-z_-][A-Za-z0-9_-]*)*)$"
)


class StyleHiding:
    """The page's `<style>` rules that hide elements, where a simple selector decides.

    Only top-level rules (not inside @media or other at-rules, whose conditions
    need a viewport) whose selector is one compound of a tag, classes and an id
    (`.sr-hidden`, `div#menu.closed`) and whose block sets display:none or
    visibility:hidden. Anything else (descendant combinators, pseudo-classes,
    attribute selectors, later overrides) is not judged: such elements count as
    shown, as no static tool can know better.
    """

    def __init__(self, tree: etree._Element) -> None:
        self.rules: list[tuple[str | None, frozenset[str], str | None]] = []
        for style in tree.iter("style"):
            media = (style.get("media") or "all").strip().lower()
            if media not in ("", "all", "screen"):
                continue
            self._read(_CSS_COMMENT.sub("", style.text or ""))
        self.classes = frozenset(c for _tag, classes, _id in self.rules for c in classes)

    def _read(self, css: str) -> None:
        depth = 0
        selector_start = 0
        in_at_rule = 0
        i = 0
        while i < len(css):
            ch = css[i]
            if ch == "{":
                prelude = css[selector_start:i].strip()
                depth += 1
                if prelude.startswith("@") or in_at_rule:
                    in_at_rule += 1
                else:
                    close = css.find("}", i)
                    if close == -1:
                        return
                    if _HIDING_DECLARATION.search("{" + css[i + 1 : close]):
                        for part in prelude.split(","):
                            self._add(part.strip())
                    depth -= 1
                    i = close
                selector_start = i + 1
            elif ch == "}":
                depth = max(depth - 1, 0)
                in_at_rule = max(in_at_rule - 1, 0)
                selector_start = i + 1
            elif ch == ";" and depth == 0:
                selector_start = i + 1  # @import ...;
            i += 1

    def _add(self, selector: str) -> None:
        match = _SIMPLE_SELECTOR.match(selector)
        if not match or not selector:
            return
        rest = match.group("rest") or ""
        parts = re.findall(r"([.#])([A-Za-z_-][A-Za-z0-9_-]*)", rest)
        ids = [name for kind, name in parts if kind == "#"]
        if len(ids) > 1:
            return
        classes = frozenset(name for kind, name in parts if kind == ".")
        tag = (match.group("tag") or "").lower() or None
        if tag in ("html", "body", "head"):
            return  # a hidden body is a page bug no rule here should build on
        self.rules.append((tag, classes, ids[0] if ids else None))

    def hides(self, el: etree._Element) -> bool:
        if not self.rules:
            return False
        el_classes = (el.get("class") or "").split()
        el_id = el.get("id")
        for tag, classes, rule_id in self.rules:
            if tag is not None and el.tag != tag:
                continue
            if rule_id is not None and el_id != rule_id:
                continue
            if classes and not classes.issubset(el_classes):
                continue
            return True
        return False


def role(el: etree._Element) -> str:
    """The first token of the role attribute, lower-cased ("" when none)."""
    tokens = (el.get("role") or "").split()
    return tokens[0].lower() if tokens else ""


def content_text(el: etree._Element, hidden: Container[etree._Element] | None = None) -> str:
    """Approximate accessible name computed from content (accname step 2F).

    Text nodes, `alt` of images inside, and `aria-label` of descendants that
    carry one; hidden descendants (those in `hidden`, else those markup hides)
    and non-rendered content are skipped. Whitespace is collapsed. Iterative, so
    a 10 000-level deep page costs no recursion.
    """
    out: list[str] = []
    if el.text:
        out.append(el.text)
    # A stack of children still to visit and tails to emit after their element.
    stack: list[etree._Element | str] = []
    for child in reversed(el):
        stack.append(child.tail or "")
        stack.append(child)
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item:
                out.append(item)
            continue
        if not isinstance(item.tag, str):
            continue
        if (item in hidden) if hidden is not None else hides_subtree(item):
            continue
        label = (item.get("aria-label") or "").strip()
        if label:
            out.append(label)
            continue
        if item.tag in ("img", "area") or (
            item.tag == "input" and (item.get("type") or "").lower() == "image"
        ):
            out.append(item.get("alt") or "")
            continue
        if item.text:
            out.append(item.text)
        for child in reversed(item):
            stack.append(child.tail or "")
            stack.append(child)
    return " ".join(" ".join(out).split())


_IMPORTANT = re.compile(r"\s*!\s*important\s*$", re.IGNORECASE)


def child_nodes(el: etree._Element) -> list:
    """The DOM's childNodes: element children and text (as str), in order; comments
    and processing instructions left out (their tails kept)."""
    nodes: list = [el.text] if el.text else []
    for child in el:
        if isinstance(child.tag, str):
            nodes.append(child)
        if child.tail:
            nodes.append(child.tail)
    return nodes


# axe's hiddenTextElms (lib/commons/dom/has-content-virtual.js): their text is not content.
HIDDEN_TEXT_TAGS = frozenset({"head", "title", "template", "script", "style", "iframe",
                              "object", "video", "audio", "noscript"})
_VISUAL_ROLES = frozenset({"checkbox", "img", "meter", "progressbar", "scrollbar", "radio",
                           "slider", "spinbutton", "textbox"})
_VISUAL_TAGS = frozenset({"img", "iframe", "object", "video", "audio", "canvas", "svg", "math",
                          "button", "select", "textarea", "keygen", "progress", "meter"})


def has_child_text(el: etree._Element) -> bool:
    """axe's hasChildTextNodes: a direct non-blank text node (not in script, style...)."""
    if el.tag in HIDDEN_TEXT_TAGS:
        return False
    return bool((el.text or "").strip()) or any((child.tail or "").strip() for child in el)


def is_visual_content(el: etree._Element) -> bool:
    """axe lib/commons/dom/is-visual-content.js."""
    role = aria.explicit_role(el)
    if role:
        return role in _VISUAL_ROLES
    if el.tag == "input":
        return aria.input_type(el) != "hidden"
    return el.tag in _VISUAL_TAGS
