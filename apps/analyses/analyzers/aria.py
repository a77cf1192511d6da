"""ARIA semantics shared by the accessibility rules: axe-core's standards and commons.

The tables (roles, attributes, HTML element variants) and every rule's published
metadata are axe-core's own, copied by scripts/update_axe_data.js into
data/axe.json, so the rules do not carry a hand-typed second copy of the ARIA
spec. The functions follow axe-core's commons of the same name (lib/commons/aria,
lib/commons/dom, lib/commons/standards) on the static tree; each says where it
must approximate because there is no layout or computed style.

Pure Python, no Django, like the rest of the analyzers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

DATA_FILE = Path(__file__).with_name("data") / "axe.json"
PRESENTATIONAL = frozenset({"presentation", "none"})


@cache
def axe_data() -> dict[str, Any]:
    with DATA_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


def axe_version() -> str:
    return axe_data()["version"]


def aria_roles() -> dict[str, dict[str, Any]]:
    """axe's lib/standards/aria-roles.js: type, requiredContext, requiredOwned,
    requiredAttrs, allowedAttrs, prohibitedAttrs, superclassRole,
    accessibleNameRequired, nameFromContent, childrenPresentational, deprecated."""
    return axe_data()["aria_roles"]


def aria_attrs() -> dict[str, dict[str, Any]]:
    """axe's lib/standards/aria-attrs.js: type (boolean, nmtoken, nmtokens, idref,
    idrefs, string, decimal, int), values, allowEmpty, global, minValue, deprecated."""
    return axe_data()["aria_attrs"]


def html_elms() -> dict[str, dict[str, Any]]:
    """axe's lib/standards/html-elms.js: contentTypes, allowedRoles, noAriaAttrs,
    namingMethods, implicitAttrs, variants."""
    return axe_data()["html_elms"]


@cache
def global_aria_attrs() -> tuple[str, ...]:
    """axe's getGlobalAriaAttrs: the attributes allowed on every role."""
    return tuple(name for name, spec in aria_attrs().items() if spec.get("global"))


# -- roles ---------------------------------------------------------------------------------


def is_valid_role(role: str, *, allow_abstract: bool = False) -> bool:
    """axe's isValidRole: a role in the table, abstract ones only when asked."""
    spec = aria_roles().get(role)
    return spec is not None and (allow_abstract or spec.get("type") != "abstract")


def explicit_role(
    el: etree._Element, *, fallback: bool = False, abstracts: bool = False, dpub: bool = True
) -> str | None:
    """axe's getExplicitRole: the first valid token of role="" (only the first
    token unless `fallback`), lower-cased; None when it names no valid role."""
    value = (el.get("role") or "").strip().lower()
    tokens = value.split() if fallback else [value]
    for token in tokens:
        if not dpub and token.startswith("doc-"):
            continue
        if is_valid_role(token, allow_abstract=abstracts):
            return token
    return None


_SECTIONING = ("article", "aside", "nav", "section")
_SECTIONING_ROLES = frozenset(
    {"article", "complementary", "main", "navigation", "region"}
)


def _in_sectioning(el: etree._Element, *, main: bool = True) -> bool:
    """Inside axe's getSectioningContentPlusMainSelector (header, footer) or, with
    `main=False`, getSectioningContentSelector (aside): article, aside, nav, section
    without a role, or those roles."""
    roles = _SECTIONING_ROLES if main else _SECTIONING_ROLES - {"main"}
    for anc in el.iterancestors():
        if not isinstance(anc.tag, str):
            continue
        if (anc.tag in _SECTIONING or (main and anc.tag == "main")) and anc.get("role") is None:
            return True
        if (anc.get("role") or "").strip().lower() in roles:
            return True
    return False


def _has_label_attr(el: etree._Element, by_id: dict[str, etree._Element]) -> bool:
    """axe's hasAccessibleName for section and form: aria-labelledby or aria-label text."""
    if " ".join((el.get("aria-label") or "").split()):
        return True
    for ref in (el.get("aria-labelledby") or "").split():
        target = by_id.get(ref)
        if target is not None and " ".join(target.text_content().split()):
            return True
    return False


def _closest(el: etree._Element, tag: str) -> etree._Element | None:
    return next(el.iterancestors(tag), None)


# Tags axe's implicit-html-roles.js has an entry for (a function may still answer null).
_IMPLICIT_TAGS = frozenset(
    {"a", "area", "footer", "form", "header", "img", "input", "section", "select", "td", "th"}
)


def implicit_role(
    el: etree._Element, by_id: dict[str, etree._Element], *, chromium: bool = False
) -> str | None:
    """axe's implicit-html-roles.js (html-aam's element mapping); with `chromium`, an
    element that has no entry there answers the html-elms chromiumRole (e.g. "Iframe")."""
    tag = el.tag
    if not isinstance(tag, str):
        return None
    if chromium and tag not in _SIMPLE_IMPLICIT and tag not in _IMPLICIT_TAGS:
        return html_elms().get(tag, {}).get("chromiumRole")
    simple = _SIMPLE_IMPLICIT.get(tag)
    if simple is not None:
        return simple
    if tag in ("a", "area"):
        return "link" if el.get("href") is not None else None
    if tag == "aside":
        named = _has_label_attr(el, by_id) or " ".join((el.get("title") or "").split())
        return None if _in_sectioning(el, main=False) and not named else "complementary"
    if tag in ("footer", "header"):
        if _in_sectioning(el):
            return None
        return "contentinfo" if tag == "footer" else "banner"
    if tag == "form":
        return "form" if _has_label_attr(el, by_id) else None
    if tag == "section":
        return "region" if _has_label_attr(el, by_id) else None
    if tag == "img":
        alt = el.get("alt")
        empty_alt = alt is not None and alt == ""
        if empty_alt and not has_global_aria(el) and not is_focusable(el):
            return "presentation"
        return "img"
    if tag == "input":
        return _input_role(el, by_id)
    if tag == "select":
        size = parse_int(el.get("size"))
        return "listbox" if el.get("multiple") is not None or (size or 0) > 1 else "combobox"
    if tag == "td":
        table = _closest(el, "table")
        role = explicit_role(table) if table is not None else None
        return "gridcell" if role in ("grid", "treegrid") else "cell"
    if tag == "th":
        return th_role(el)
    return None


_SIMPLE_IMPLICIT = {
    "article": "article",
    "body": "document",
    "button": "button",
    "datalist": "listbox",
    "dd": "definition",
    "dfn": "term",
    "details": "group",
    "dialog": "dialog",
    "dt": "term",
    "fieldset": "group",
    "figure": "figure",
    "h1": "heading",
    "h2": "heading",
    "h3": "heading",
    "h4": "heading",
    "h5": "heading",
    "h6": "heading",
    "hr": "separator",
    "li": "listitem",
    "main": "main",
    "math": "math",
    "menu": "list",
    "meter": "meter",
    "nav": "navigation",
    "ol": "list",
    "optgroup": "group",
    "option": "option",
    "output": "status",
    "progress": "progressbar",
    "search": "search",
    "summary": "button",
    "table": "table",
    "tbody": "rowgroup",
    "textarea": "textbox",
    "tfoot": "rowgroup",
    "thead": "rowgroup",
    "tr": "row",
    "ul": "list",
}


def input_type(el: etree._Element) -> str:
    """The input's type as the DOM reports it (unknown values mean "text")."""
    value = (el.get("type") or "").strip().lower()
    return value if value in _INPUT_TYPES else "text"


_INPUT_TYPES = frozenset(
    {
        "hidden", "text", "search", "tel", "url", "email", "password", "date", "month",
        "week", "time", "datetime-local", "number", "range", "color", "checkbox", "radio",
        "file", "submit", "image", "reset", "button",
    }
)


def _input_role(el: etree._Element, by_id: dict[str, etree._Element]) -> str | None:
    kind = input_type(el)
    has_list = False
    if el.get("list") is not None:
        target = by_id.get((el.get("list") or "").strip())
        has_list = target is not None and target.tag == "datalist"
    if kind in ("button", "image", "reset", "submit"):
        return "button"
    if kind == "checkbox":
        return "checkbox"
    if kind in ("email", "tel", "text", "url"):
        return "combobox" if has_list else "textbox"
    if kind == "number":
        return "spinbutton"
    if kind == "radio":
        return "radio"
    if kind == "range":
        return "slider"
    if kind == "search":
        return "combobox" if has_list else "searchbox"
    return None


def th_role(el: etree._Element) -> str | None:
    """columnheader or rowheader by scope, else by position (axe's isColumnHeader /
    isRowHeader approximated without a table grid: a th in the first row, or in a
    thead, heads its column; a th that starts a row of data cells heads the row)."""
    scope = (el.get("scope") or "").strip().lower()
    if scope in ("col", "colgroup"):
        return "columnheader"
    if scope in ("row", "rowgroup"):
        return "rowheader"
    row = el.getparent()
    if row is None or row.tag != "tr":
        return "columnheader"
    cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
    if all(c.tag == "th" for c in cells):
        return "columnheader"
    if row.getparent() is not None and row.getparent().tag == "thead":
        return "columnheader"
    return "rowheader"


# axe's inheritsPresentationChain (get-role.js): which parents pass role=none down.
_PRESENTATION_CHAIN = {
    "td": ("tr",),
    "th": ("tr",),
    "tr": ("thead", "tbody", "tfoot", "table"),
    "thead": ("table",),
    "tbody": ("table",),
    "tfoot": ("table",),
    "li": ("ol", "ul"),
    "dt": ("dl", "div"),
    "dd": ("dl", "div"),
    "div": ("dl",),
}


def _inherited_role(el: etree._Element) -> str | None:
    parents = _PRESENTATION_CHAIN.get(el.tag)
    parent = el.getparent()
    if not parents or parent is None or parent.tag not in parents:
        return None
    parent_role = explicit_role(parent)
    if parent_role in PRESENTATIONAL and not has_conflict_resolution(parent):
        return parent_role
    if parent_role:
        return None
    return _inherited_role(parent)


def has_global_aria(el: etree._Element) -> bool:
    return any(el.get(attr) is not None for attr in global_aria_attrs())


def has_conflict_resolution(el: etree._Element) -> bool:
    """role=none/presentation is ignored on an element with a global ARIA
    attribute or that can take focus (ARIA's presentational conflict rule)."""
    return has_global_aria(el) or is_focusable(el)


_CUSTOM_ELEMENT = re.compile(r"^[a-z][a-z0-9._\u00b7\u00c0-\uffff]*-[a-z0-9._\-\u00b7\u00c0-\uffff]*$")


def is_custom_element(tag: str) -> bool:
    """axe's isValidCustomElementName: a lower-case name with a hyphen."""
    return bool(_CUSTOM_ELEMENT.match(tag))


def get_role(
    el: etree._Element,
    by_id: dict[str, etree._Element],
    *,
    no_implicit: bool = False,
    no_presentational: bool = False,
    fallback: bool = False,
    abstracts: bool = False,
    dpub: bool = True,
    chromium: bool = False,
) -> str | None:
    """axe's getRole (lib/commons/aria/get-role.js), with its conflict resolution:
    an explicit role wins unless it is none/presentation on an element that has a
    global ARIA attribute or is focusable, in which case the implicit role stands;
    table, list and definition-list children inherit a parent's role=none."""

    def implicit() -> str | None:
        if no_implicit:
            return None
        role = implicit_role(el, by_id, chromium=chromium)
        if role is None:
            return None
        return _inherited_role(el) or role

    role = explicit_role(el, fallback=fallback, abstracts=abstracts, dpub=dpub)
    if role is None:
        role = implicit()
    elif role in PRESENTATIONAL and has_conflict_resolution(el):
        role = None if _CUSTOM_ELEMENT.match(el.tag) else implicit()
    if no_presentational and role in PRESENTATIONAL:
        return None
    return role


# -- focus -----------------------------------------------------------------------------------

_DISABLEABLE = frozenset({"button", "input", "select", "textarea", "optgroup", "option", "fieldset"})


def is_disabled(el: etree._Element) -> bool:
    """The DOM's `disabled`: the attribute on a form control, or a control inside a
    disabled fieldset (outside that fieldset's first legend)."""
    if el.tag not in _DISABLEABLE:
        return False
    if el.get("disabled") is not None:
        return True
    child = el
    for anc in el.iterancestors():
        if anc.tag == "fieldset" and anc.get("disabled") is not None:
            legend = next((c for c in anc if c.tag == "legend"), None)
            if legend is None or child is not legend:
                return True
        child = anc
    return False


def is_natively_focusable(el: etree._Element) -> bool:
    """axe's isNativelyFocusable (without its CSS-hidden test: see is_focusable)."""
    if is_disabled(el):
        return False
    tag = el.tag
    if tag in ("a", "area"):
        return el.get("href") is not None
    if tag == "input":
        return input_type(el) != "hidden"
    if tag in ("textarea", "select", "summary", "button"):
        return True
    if tag == "details":
        return next(el.iter("summary"), None) is None
    return False


def tabindex(el: etree._Element) -> int | None:
    """parseInt(tabindex, 10) as axe reads it; None when absent or not a number."""
    return parse_int(el.get("tabindex"))


def is_focusable(el: etree._Element) -> bool:
    """axe's isFocusable: natively focusable or with a numeric tabindex, and not
    disabled. Hidden elements are not focusable either; callers that know the
    page's hidden set check it (PageContext.is_focusable)."""
    if is_natively_focusable(el):
        return True
    return not is_disabled(el) and tabindex(el) is not None


_LEADING_INT = re.compile(r"^\s*([+-]?\d+)")


def parse_int(value: str | None) -> int | None:
    """JavaScript's parseInt(value, 10): leading integer, else None (NaN)."""
    if value is None:
        return None
    match = _LEADING_INT.match(value)
    return int(match.group(1)) if match else None


# -- element specs and attribute values --------------------------------------------------

NameTest = Callable[[etree._Element], bool]


def in_svg(el: etree._Element) -> bool:
    """Whether the browser puts `el` in the SVG namespace (an <svg> or inside one,
    not under a <foreignObject>): the HTML parser's tree carries no namespaces."""
    for node in (el, *el.iterancestors()):
        if node.tag == "svg":
            return True
        if node.tag == "foreignObject" and node is not el:
            return False
    return False


def is_html_element(el: etree._Element) -> bool:
    """axe's isHtmlElement: an element html-elms knows, outside SVG."""
    return isinstance(el.tag, str) and el.tag in html_elms() and not in_svg(el)


def _matches_value(value: Any, matcher: Any) -> bool:
    """axe's fromPrimitive (lib/commons/matches/from-primitive.js)."""
    if isinstance(matcher, list) and value is not None:
        return value in matcher
    if value is not None and isinstance(matcher, str) and re.fullmatch(r"/.*/", matcher):
        return re.search(matcher[1:-1], value) is not None
    return matcher == value


def _matches(el: etree._Element, definition: Any, has_name: NameTest) -> bool:
    """axe's matches.fromDefinition for the matchers html-elms uses."""
    if isinstance(definition, list):
        return any(_matches(el, item, has_name) for item in definition)
    if isinstance(definition, str):  # "[href]": one attribute-presence selector
        return el.get(definition.strip("[]")) is not None
    for kind, matcher in definition.items():
        if kind == "attributes":
            ok = all(_matches_value(el.get(k), v) for k, v in matcher.items())
        elif kind == "properties":  # only `type` is used: the DOM's input.type
            ok = all(_matches_value(input_type(el) if k == "type" else el.get(k), v)
                     for k, v in matcher.items())
        elif kind == "hasAccessibleName":
            ok = has_name(el) == matcher
        elif kind == "hasChild":
            ok = any(child.tag == matcher for child in el)
        elif kind == "isSummaryForDetails":
            parent = el.getparent()
            first = next((c for c in parent if c.tag == "summary"), None) if parent is not None \
                else None
            ok = (parent is not None and parent.tag == "details" and first is el) == matcher
        else:
            raise ValueError(f"unknown html-elms matcher {kind!r}")
        if not ok:
            return False
    return True


def element_spec(el: etree._Element, has_name: NameTest = lambda el: False) -> dict[str, Any]:
    """axe's getElementSpec: the html-elms entry with every matching variant's
    properties applied in order, then the default variant's for what is unset.
    `has_name` answers hasAccessibleName matchers (the caller's name computation)."""
    standard = html_elms().get(el.tag) if isinstance(el.tag, str) else None
    if not standard:
        return {}
    if "variant" not in standard:
        return standard
    spec = {k: v for k, v in standard.items() if k != "variant"}
    for name, variant in standard["variant"].items():
        if name == "default":
            continue
        if _matches(el, variant.get("matches"), has_name):
            spec.update({k: v for k, v in variant.items() if k != "matches"})
    for key, value in standard["variant"].get("default", {}).items():
        spec.setdefault(key, value)
    return spec


def aria_value(el: etree._Element, attr: str) -> str | None:
    """axe's getAriaValue from the attribute: trimmed unless a string type,
    lower-cased when the standard says the value is case-insensitive."""
    spec = aria_attrs().get(attr)
    value = el.get(attr)
    if spec is None or value is None:
        return None
    if spec["type"] != "string":
        value = value.strip()
    return value.lower() if spec.get("caseInsensitive") else value


def allowed_attrs(role: str | None) -> list[str]:
    """axe's allowedAttr: the global attributes plus the role's allowed and required."""
    spec = aria_roles().get(role or "")
    attrs = list(global_aria_attrs())
    if spec:
        attrs += spec.get("allowedAttrs") or []
        attrs += spec.get("requiredAttrs") or []
    return attrs


_DECIMAL = re.compile(r"^[-+]?([0-9]*)\.?([0-9]*)$")
_INTEGER = re.compile(r"^[-+]?[0-9]+$")


def validate_attr_value(el: etree._Element, attr: str, by_id: dict[str, etree._Element]) -> bool:
    """axe's validateAttrValue (lib/commons/aria/validate-attr-value.js)."""
    spec = aria_attrs().get(attr)
    value = el.get(attr)
    if spec is None:
        return True
    if spec.get("allowEmpty") and (not value or not value.strip()):
        return True
    value = value or ""
    kind = spec["type"]
    if kind == "boolean":
        return value.lower() in ("true", "false")
    if kind == "nmtoken":
        return value.lower() in spec["values"]
    if kind == "nmtokens":
        tokens = value.split()
        return bool(tokens) and all(token in spec["values"] for token in tokens)
    if kind == "idref":
        return bool(value) and value in by_id
    if kind == "idrefs":
        return any(token in by_id for token in value.split())
    if kind == "string":
        return value.strip() != ""
    if kind == "decimal":
        match = _DECIMAL.match(value)
        return bool(match and (match.group(1) or match.group(2)))
    if kind == "int":
        minimum = spec.get("minValue", float("-inf"))
        return bool(_INTEGER.match(value)) and int(value) >= minimum
    return True
