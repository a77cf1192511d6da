"""axe-core 4.14's accessible name computation, on the static tree.

Follows lib/commons/text: accessibleTextVirtual (steps arialabelledbyText,
arialabelText, nativeTextAlternative, formControlValue, subtreeText, text node
value, titleText), the native naming methods html-elms lists per element
(labelText, altText, valueText, buttonDefaultText, fieldsetLegendText,
tableCaptionText, figureText, svgTitleText, ...), sanitize, visibleVirtual and
isHumanInterpretable. "Visible to screen readers" is the page's hidden set;
DOM properties are read from attributes (an input's value, an option's
selected state), which is what a freshly loaded page has.

The context is a dict copied the way axe's `_extends({...}, context)` copies it
(the existing keys win), so `processed` is shared exactly where axe shares it.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

from lxml import etree

from apps.analyses.analyzers import aria, dom

if TYPE_CHECKING:
    from apps.analyses.analyzers.base import PageContext

Context = dict[str, Any]
Node = etree._Element | str  # an element or a text node's value

_SPACES = re.compile(r"\s{2,}")
_CONTROL_VALUE_ROLES = frozenset(
    {"textbox", "progressbar", "scrollbar", "slider", "spinbutton", "combobox", "listbox"}
)
_RANGE_ROLES = frozenset({"progressbar", "scrollbar", "slider", "spinbutton"})
_NON_TEXT_INPUTS = frozenset(
    {"button", "checkbox", "color", "file", "hidden", "image", "password", "radio", "reset",
     "submit"}
)
_NATIVELY_HIDDEN = frozenset({"style", "script", "noscript", "template"})
_DEFAULT_BUTTON_VALUES = {"submit": "Submit", "image": "Submit", "reset": "Reset"}


def sanitize(text: str | None) -> str:
    """axe's sanitize: CRLF to LF, NBSP to space, runs of whitespace to one, trim."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


_NON_BMP = re.compile(
    "[\u1d00-\u1d7f\u1d80-\u1dbf\u1dc0-\u1dff\u20a0-\u20cf\u20d0-\u20ff\u2100-\u214f"
    "\u2150-\u218f\u2190-\u21ff\u2200-\u22ff\u2300-\u23ff\u2400-\u243f\u2440-\u245f"
    "\u2460-\u24ff\u2500-\u257f\u2580-\u259f\u25a0-\u25ff\u2600-\u26ff\u2700-\u27bf"
    "\ue000-\uf8ff\U000f0000-\U0010ffff\u00ad\u0600-\u0605\u061c\u06dd\u070f\u08e2"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ufe00-\ufe0f]"
)
_PUNCTUATION = re.compile(
    "[\u2000-\u206f\u2e00-\u2e7f\u3000-\u3004\u3008-\u3020\u3030\u3036-\u3037"
    "\u303d-\u303f\u30fb\ufe10-\ufe1f\ufe30-\ufe4f\ufe50-\ufe6f\uff01-\uff0f\uff1a-\uff20"
    "\uff3b-\uff40\uff5b-\uff65\\\\'!\"#$%&\u00a3\u00a2\u00a5\u00a7\u20ac()*+,\\-./:;<=>?@"
    "\\[\\]^_`{|}~\u00b1]"
)
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2300-\u23ff\u2b00-\u2bff\u200d\ufe0f"
    "\U0001f1e6-\U0001f1ff]"
)


def is_human_interpretable(text: str) -> bool:
    """axe's isHumanInterpretable: not empty, not one non-digit character, not
    "aa"/"abc", and not only emoji, symbols and punctuation (axe's emoji regex is
    approximated by the emoji blocks)."""
    if not sanitize(text):
        return False
    if len(text) == 1 and not text.isdigit():
        return False
    if text.lower() in ("aa", "abc"):
        return False
    stripped = _PUNCTUATION.sub("", _NON_BMP.sub("", _EMOJI.sub("", text)))
    return bool(sanitize(stripped))


@cache
def phrasing_elements() -> frozenset[str]:
    """getElementsByContentType('phrasing') plus text nodes."""
    names = set()
    for name, spec in aria.html_elms().items():
        types = spec.get("contentTypes")
        if types is None:
            types = (spec.get("variant", {}).get("default") or {}).get("contentTypes") or []
        if "phrasing" in types:
            names.add(name)
    return frozenset(names)


def element_spec_no_name(el: etree._Element) -> dict[str, Any]:
    """getElementSpec(vNode, {noMatchAccessibleName: true}): the raw html-elms entry
    when a variant matches on hasAccessibleName."""
    standard = aria.html_elms().get(el.tag) if isinstance(el.tag, str) else None
    if not standard:
        return {}
    for variant in standard.get("variant", {}).values():
        matches = variant.get("matches")
        items = matches if isinstance(matches, list) else [matches]
        if any(isinstance(m, dict) and "hasAccessibleName" in m for m in items):
            return standard
    return aria.element_spec(el)


def children(el: etree._Element) -> list[Node]:
    """The element's child nodes: text nodes as strings, elements (dom.child_nodes)."""
    return dom.child_nodes(el)


def idrefs(page: PageContext, el: etree._Element, attr: str) -> list[etree._Element]:
    """The elements an IDREFS attribute resolves to (unresolved ones dropped)."""
    found = (page.by_id.get(token) for token in (el.get(attr) or "").split())
    return [ref for ref in found if ref is not None]


def owned(page: PageContext, el: etree._Element) -> list[Node]:
    """getOwnedVirtual: child nodes, then the aria-owns elements (each once)."""
    kids = children(el)
    if not (el.get("aria-owns") or "").strip():
        return kids
    owns: list[etree._Element] = []
    for ref in idrefs(page, el, "aria-owns"):
        if ref not in owns:
            owns.append(ref)
    return [k for k in kids if isinstance(k, str) or k not in owns] + owns


class AccName:
    """The name computation over one page (PageContext memoises one instance)."""

    def __init__(self, page: PageContext) -> None:
        self.page = page
        self._names: dict[etree._Element, str] = {}
        self._control_texts: dict[tuple, str] = {}
        self._label_texts: dict[tuple, str] = {}
        self._labels_for: dict[str, list[etree._Element]] | None = None
        self.explicit_ok: dict[str, bool] = {}  # names.explicit_label, by id

    # -- entry points ---------------------------------------------------------------

    def name(self, el: etree._Element) -> str:
        """accessibleTextVirtual(el) with a fresh context (memoised)."""
        text = self._names.get(el)
        if text is None:
            text = self._names[el] = self.text(el, {})
        return text

    def visible_to_sr(self, el: etree._Element) -> bool:
        return not self.page.is_hidden(el)

    def text(self, node: Node, context: Context) -> str:
        """accessibleTextVirtual."""
        if isinstance(node, str):  # textNodeValue
            return node
        context = self._prepare(node, context)
        if self._ignore_hidden(node, context):
            return ""
        steps = (
            self.arialabelledby_text,
            self.arialabel_text,
            self.native_text_alternative,
            self.form_control_value,
            self.subtree_text,
            lambda n, c: "",  # textNodeValue: elements have none
            lambda n, c: self.title_text(n),
        )
        name = ""
        for step in steps:
            if context.get("startNode") is node:
                name = sanitize(name)
            if name != "":
                return name
            name = step(node, context)
        return name

    def _prepare(self, el: etree._Element, context: Context) -> Context:
        if "startNode" not in context:
            context = {"startNode": el, **context}
        if context.get("inLabelledByContext") and "includeHidden" not in context:
            context = {"includeHidden": not self.visible_to_sr(el), **context}
        return context

    def _ignore_hidden(self, el: etree._Element, context: Context) -> bool:
        if context.get("includeHidden") and el.tag not in _NATIVELY_HIDDEN:
            return False
        return not self.visible_to_sr(el)

    @staticmethod
    def _already_processed(el: etree._Element, context: Context) -> bool:
        processed = context.setdefault("processed", [])
        if any(p is el for p in processed):
            return True
        processed.append(el)
        return False

    # -- steps -----------------------------------------------------------------------

    def arialabelledby_text(self, el: etree._Element, context: Context | None = None) -> str:
        context = context or {}
        if context.get("inLabelledByContext") or context.get("inControlContext"):
            return ""
        if not (el.get("aria-labelledby") or "").strip():
            return ""
        names = []
        for ref in idrefs(self.page, el, "aria-labelledby"):
            ref_context = {"inLabelledByContext": True,
                           "startNode": _first(context.get("startNode"), el), **context}
            names.append(self.text(ref, ref_context))
        out = ""
        for add in names:
            out = add if not out else f"{out} {add}"
        return out

    @staticmethod
    def arialabel_text(el: etree._Element, context: Context | None = None) -> str:
        return el.get("aria-label") or ""

    def title_text(self, el: etree._Element) -> str:
        """titleText: title, except on presentational elements other than iframes."""
        if el.get("title") is None:
            return ""
        if el.tag != "iframe" and self.page.role(el) in aria.PRESENTATIONAL:
            return ""
        return el.get("title")

    def native_text_alternative(self, el: etree._Element, context: Context) -> str:
        if self.page.role(el) in aria.PRESENTATIONAL:
            return ""
        methods = element_spec_no_name(el).get("namingMethods") or []
        if isinstance(methods, str):
            methods = [methods]
        for method in methods:
            name = getattr(self, "_m_" + method)(el, context)
            if name:
                return name
        return ""

    # native naming methods
    def _m_valueText(self, el, context):  # noqa: N802
        return el.get("value") or "" if el.tag in ("input", "button", "option") else ""

    def _m_buttonDefaultText(self, el, context):  # noqa: N802
        return _DEFAULT_BUTTON_VALUES.get(aria.input_type(el), "") if el.tag == "input" else ""

    def _descendant_text(self, tag: str, el: etree._Element, context: Context) -> str:
        for desc in el.iterdescendants():
            if desc.tag == tag:
                return self.text(desc, context)
            if desc.tag == el.tag:
                return ""
        return ""

    def _m_tableCaptionText(self, el, context):  # noqa: N802
        return self._descendant_text("caption", el, context)

    def _m_figureText(self, el, context):  # noqa: N802
        return self._descendant_text("figcaption", el, context)

    def _m_svgTitleText(self, el, context):  # noqa: N802
        return self._descendant_text("title", el, context)

    def _m_fieldsetLegendText(self, el, context):  # noqa: N802
        return self._descendant_text("legend", el, context)

    def _m_altText(self, el, context):  # noqa: N802
        return el.get("alt") or ""

    def _m_tableSummaryText(self, el, context):  # noqa: N802
        return el.get("summary") or ""

    def _m_placeholderText(self, el, context):  # noqa: N802
        return el.get("placeholder") or ""

    def _m_titleText(self, el, context):  # noqa: N802
        return self.title_text(el)

    def _m_singleSpace(self, el, context):  # noqa: N802
        return " "

    def _m_subtreeText(self, el, context):  # noqa: N802
        return self.subtree_text(el, context)

    def _m_labelText(self, el, context):  # noqa: N802
        return self.label_text(el, context)

    def explicit_labels(self, el: etree._Element) -> list[etree._Element]:
        """label[for=id] elements in the document (getExplicitLabels)."""
        el_id = el.get("id")
        if not el_id:
            return []
        if self._labels_for is None:
            self._labels_for = {}
            for lab in self.page.elements("label"):
                if lab.get("for"):
                    self._labels_for.setdefault(lab.get("for"), []).append(lab)
        return self._labels_for.get(el_id, [])

    def control_label_text(self, label: etree._Element, el: etree._Element) -> str:
        """sanitize(accessibleText(label, {inControlContext, startNode: el})), memoised
        (per label alone when `el` is outside it, where startNode cannot matter)."""
        key = (label, el if label in el.iterancestors() else None)
        text = self._control_texts.get(key)
        if text is None:
            context = {"inControlContext": True, "startNode": el}
            text = self._control_texts[key] = sanitize(self.text(label, context))
        return text

    def label_text(self, el: etree._Element, context: Context | None = None) -> str:
        """labelText: the explicit and implicit labels' text, in document order."""
        context = {} if context is None else context
        if context.get("inControlContext") or context.get("inLabelledByContext"):
            return ""
        if self._already_processed(el, context):
            return ""
        if "startNode" not in context:
            context["startNode"] = el
        labels = self.explicit_labels(el)
        implicit = closest(el, "label")
        key = (el.get("id"), implicit)
        cached = self._label_texts.get(key)
        if cached is not None and implicit is None:
            return cached
        if implicit is not None and implicit not in labels:
            labels = sorted([*labels, implicit], key=self.page.position)
        # Each label's text is memoised sanitized; the caller sanitizes the whole anyway.
        texts = [self.control_label_text(lab, el) for lab in labels]
        text = self._label_texts[key] = " ".join(t for t in texts if t != "")
        return text

    def form_control_value(self, el: etree._Element, context: Context) -> str:
        role = self.page.role(el)
        if context.get("startNode") is el or role not in _CONTROL_VALUE_ROLES \
                or role == "progressbar":
            return ""
        explicit = aria.explicit_role(el)
        # nativeTextboxValue
        if el.tag == "textarea" or (
            el.tag == "input" and (el.get("type") or "").lower() not in _NON_TEXT_INPUTS
        ):
            value = (el.text or "") if el.tag == "textarea" else (el.get("value") or "")
            if value:
                return value
        # nativeSelectValue
        if el.tag == "select":
            options = [o for o in el.iterdescendants("option")]
            selected = [o for o in options if o.get("selected") is not None]
            if not selected and options:
                selected = [options[0]]
            value = " ".join(visible_virtual(o) for o in selected)
            if value:
                return value
        if explicit == "textbox":
            if el not in self.page.hidden_for_everyone:
                value = visible_virtual(el, self.page.hidden)
            else:
                value = "".join(el.itertext())
            if value:
                return value
        if explicit == "listbox":
            value = self._listbox_value(el, context)
            if value:
                return value
        if explicit == "combobox":
            listbox = next((o for o in owned(self.page, el)
                            if not isinstance(o, str) and self.page.role(o) == "listbox"), None)
            value = self._listbox_value(listbox, context) if listbox is not None else ""
            if value:
                return value
        if explicit in _RANGE_ROLES and (el.get("aria-valuenow") or "").strip():
            try:
                number = float((el.get("aria-valuenow") or "").strip())
            except ValueError:
                return "0"
            return str(int(number)) if number.is_integer() else repr(number)
        return ""

    def _listbox_value(self, el: etree._Element, context: Context) -> str:
        if aria.explicit_role(el) != "listbox":
            return ""
        for child in owned(self.page, el):
            if not isinstance(child, str) and self.page.role(child) == "option" \
                    and (child.get("aria-selected") or "").strip().lower() == "true":
                return self.text(child, context)
        return ""

    def named_from_contents(self, el: etree._Element, strict: bool = False) -> bool:
        role = self.page.role(el)
        spec = aria.aria_roles().get(role) if role else None
        if spec and spec.get("nameFromContent"):
            return True
        if strict:
            return False
        return not spec or role in aria.PRESENTATIONAL

    def subtree_text(self, el: etree._Element, context: Context | None = None) -> str:
        """subtreeText: the text of the (owned) children, for roles named from content."""
        context = {} if context is None else context
        if "startNode" not in context:
            context["startNode"] = el
        role = self.page.role(el)
        types = element_spec_no_name(el).get("contentTypes") or []
        if self._already_processed(el, context) or "embedded" in types \
                or role in _CONTROL_VALUE_ROLES:
            return ""
        if not context.get("subtreeDescendant") and not context.get("inLabelledByContext") \
                and not self.named_from_contents(el, context.get("strict", False)):
            return ""
        if not context.get("strict"):
            descendant = not context.get("inControlContext") \
                and not context.get("inLabelledByContext")
            context = {"subtreeDescendant": descendant, **context}
        out = ""
        for child in owned(self.page, el):
            out = self._append(out, child, context)
        return out

    def _append(self, out: str, node: Node, context: Context) -> str:
        add = self.text(node, context)
        if not add:
            return out
        if not isinstance(node, str) and node.tag not in phrasing_elements():
            if add[0] != " ":
                add += " "
            if out and out[-1] != " ":
                add = " " + add
        return out + add

    # -- helpers rules share -----------------------------------------------------------

    def has_accessible_name(self, el: etree._Element, check_title: bool = False) -> bool:
        """axe's hasAccessibleName (aria-labelledby, aria-label, optionally title)."""
        return bool(
            sanitize(self.arialabelledby_text(el))
            or sanitize(self.arialabel_text(el))
            or (check_title and sanitize(el.get("title")))
        )


def _first(value, default):
    return default if value is None else value


def closest(el: etree._Element, tag: str) -> etree._Element | None:
    """closest(el, tag), the element itself included."""
    if el.tag == tag:
        return el
    return next((a for a in el.iterancestors(tag)), None)


def visible_virtual(el: etree._Element, hidden=None) -> str:
    """visibleVirtual(el, screenReader): text of the subtree, sanitized; text nodes of
    hidden elements (when `hidden` is given, screen-reader visibility) count as "",
    <br> as a space. Without `hidden` every element counts as visible (axe's
    on-screen visibility is layout; callers pass a set for what they know)."""

    def walk(node: etree._Element) -> str:
        visible = hidden is None or node not in hidden
        parts = []
        if node.text and visible:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                parts.append(" " if child.tag == "br" else walk(child))
            if child.tail and visible:
                parts.append(child.tail)
        return "".join(parts)

    return sanitize(walk(el))
