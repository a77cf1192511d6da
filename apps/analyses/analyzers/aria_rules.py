"""ARIA rules: roles, attributes and their values, as axe-core 4.14 checks them.

Each rule names the axe-core sources it follows: the rule (lib/rules/<id>.json:
selector, matches, excludeHidden) and its checks (lib/checks/aria/*-evaluate.js).
The standards tables (roles, attributes, element specs) are axe's own, from
data/axe.json through aria.py. Hidden elements are skipped where axe excludes
them (its default); the rules that set excludeHidden false look at every element.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from apps.analyses.analyzers import aria, dom
from apps.analyses.analyzers.axe import axe_rule
from apps.analyses.analyzers.base import Issue, PageContext

_ARIA = re.compile(r"^aria-")
_LABEL_ATTRS = ("aria-label", "aria-labelledby")


def _attrs(el: etree._Element) -> list[str]:
    return [str(name) for name in el.attrib]


def _has_aria_attr(el: etree._Element) -> bool:
    """aria-has-attr-matches / aria-allowed-attr-matches: any aria-* attribute."""
    return any(_ARIA.match(name) for name in _attrs(el))


def _quoted(el: etree._Element, names: list[str]) -> str:
    return ", ".join(f'{name}="{el.get(name)}"' for name in names)


def _with_role_attr(page: PageContext, *, include_hidden: bool = False) -> Iterator:
    """Selector [role] with no-empty-role-matches (a role with more than whitespace)."""
    for el in page.elements():
        value = el.get("role")
        if value is None or not value.strip():
            continue
        if include_hidden or not page.is_hidden(el):
            yield el


def _with_aria_attrs(page: PageContext, *, include_hidden: bool = False) -> Iterator:
    for el in page.elements():
        if el.attrib and _has_aria_attr(el) and (include_hidden or not page.is_hidden(el)):
            yield el


def _role_type(role: str | None) -> str | None:
    return (aria.aria_roles().get(role or "") or {}).get("type")


# -- roles -------------------------------------------------------------------------------


@axe_rule("aria-roles")
def aria_roles(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-roles.json: selector [role], no-empty-role-matches; none of
    invalidrole (every token invalid, abstract ones counted as valid), abstractrole
    (any abstract token) and unsupportedrole (getRole with fallback is unsupported)."""
    for el in _with_role_attr(page):
        tokens = el.get("role").split()
        abstract = [t for t in tokens if _role_type(t) == "abstract"]
        if all(not aria.is_valid_role(t.lower(), allow_abstract=True) for t in tokens):
            yield Issue(f'role="{el.get("role")}" is not an ARIA role.', element=el)
        elif abstract:
            yield Issue(
                f"{', '.join(abstract)} is an abstract ARIA role, which authors must not use.",
                element=el,
            )
        else:
            role = aria.get_role(el, page.by_id, fallback=True)
            if (aria.aria_roles().get(role or "") or {}).get("unsupported"):
                yield Issue(f'role="{role}" is not widely supported.', element=el)


@axe_rule("aria-deprecated-role")
def aria_deprecated_role(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-deprecated-role.json: selector [role], no-empty-role-matches;
    none: deprecatedrole (getRole with fallback and dpub names a deprecated role)."""
    for el in _with_role_attr(page):
        role = aria.get_role(el, page.by_id, fallback=True)
        if (aria.aria_roles().get(role or "") or {}).get("deprecated"):
            yield Issue(f'role="{role}" is deprecated in WAI-ARIA.', element=el)


@axe_rule("aria-allowed-role")
def aria_allowed_role(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-allowed-role.json: selector [role], excludeHidden false,
    aria-allowed-role-matches (an explicit role, fallback and dpub); check
    aria-allowed-role with allowImplicit (lib/commons/aria/get-element-unallowed-roles.js
    and is-aria-role-allowed-on-element.js). Unallowed on an element hidden from
    assistive technology is incomplete (needs review), as in axe."""
    dpub_restricted = ("doc-backlink", "doc-biblioentry", "doc-biblioref", "doc-cover",
                       "doc-endnote", "doc-glossref", "doc-noteref")
    for el in _with_role_attr(page, include_hidden=True):
        if aria.explicit_role(el, fallback=True) is None or not aria.is_html_element(el):
            continue
        implicit = aria.implicit_role(el, page.by_id) or {"header": "banner",
                                                          "footer": "contentinfo"}.get(el.tag)
        spec = aria.element_spec(el, lambda e: bool(page.aria_name(e) or e.get("title")))
        allowed = spec.get("allowedRoles")
        unallowed = []
        for role in el.get("role").lower().split():
            if not aria.is_valid_role(role) or role == implicit:
                continue
            if role in dpub_restricted and _role_type(role) != implicit:
                unallowed.append(role)
            elif isinstance(allowed, list):
                if role not in allowed:
                    unallowed.append(role)
            elif not allowed:
                unallowed.append(role)
        if unallowed:
            yield Issue(
                f"role={' '.join(unallowed)} is not allowed on <{el.tag}>.",
                element=el,
                needs_review=page.is_hidden(el),
            )


@axe_rule("presentation-role-conflict")
def presentation_role_conflict(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/presentation-role-conflict.json: selector img[alt=''],
    [role="none"], [role="presentation"] (exact values), matches
    has-implicit-chromium-role-matches; none of is-element-focusable and
    has-global-aria-attribute: the browser then ignores the presentational role."""
    for el in page.elements():
        if not (el.get("role") in ("none", "presentation")
                or (el.tag == "img" and el.get("alt") == "")):
            continue
        if page.is_hidden(el) or aria.implicit_role(el, page.by_id, chromium=True) is None:
            continue
        reasons = []
        if page.is_focusable(el):
            reasons.append("it can take focus")
        globals_ = [a for a in aria.global_aria_attrs() if el.get(a) is not None]
        if globals_:
            reasons.append(f"it has {', '.join(globals_)}")
        if reasons:
            yield Issue(
                f"This element is marked presentational but {' and '.join(reasons)}, so "
                "browsers expose its role anyway.",
                element=el,
            )


# -- attributes --------------------------------------------------------------------------


@axe_rule("aria-valid-attr")
def aria_valid_attr(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-valid-attr.json: aria-has-attr-matches; check aria-valid-attr
    (every aria-* attribute is in the ARIA attribute table)."""
    known = aria.aria_attrs()
    for el in _with_aria_attrs(page):
        invalid = [a for a in _attrs(el) if _ARIA.match(a) and a not in known]
        if invalid:
            yield Issue(f"{', '.join(invalid)}: no such ARIA attribute.", element=el)


def _prohibited_attrs(page: PageContext, el: etree._Element) -> list[str]:
    """axe's listProhibitedAttrs (aria-prohibited-attr-evaluate.js)."""
    role = aria.explicit_role(el, fallback=True)
    if role:
        return list(aria.aria_roles()[role].get("prohibitedAttrs") or ())
    if el.tag == "applet" or _closest_role_type(page, el) == "widget" or \
            aria.is_custom_element(el.tag):
        return []
    spec = aria.element_spec(el, lambda e: bool(page.aria_name(e) or e.get("title")))
    if el.tag not in aria.html_elms() or spec.get("namingProhibited"):
        return list(_LABEL_ATTRS)
    return []


def _closest_role_type(page: PageContext, el: etree._Element) -> str | None:
    """axe's getClosestAncestorRoleType: from the element itself up, the type of the
    first (chromium, non-presentational) role found."""
    for node in (el, *el.iterancestors()):
        role = aria.get_role(node, page.by_id, no_presentational=True, chromium=True)
        if role:
            return _role_type(role)
    return None


@axe_rule("aria-prohibited-attr")
def aria_prohibited_attr(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-prohibited-attr.json: aria-allowed-attr-matches; none:
    aria-prohibited-attr (lib/checks/aria/aria-prohibited-attr-evaluate.js). Fails
    when a prohibited attribute has a value; incomplete (review) when the element
    has text content (the label may only repeat it) or when aria-labelledby alone
    points to visible elements or to nothing."""
    for el in _with_aria_attrs(page):
        prohibited = [a for a in _prohibited_attrs(page, el)
                      if el.get(a) is not None and " ".join(el.get(a).split())]
        if not prohibited:
            continue
        role = aria.get_role(el, page.by_id, fallback=True)
        where = f'role="{role}"' if role else f"<{el.tag}> without a role"
        message = f"{', '.join(prohibited)} is not allowed on {where}."
        review = _labelledby_review(page, el, prohibited) or bool(page.content_text(el))
        yield Issue(message, element=el, needs_review=review)


def _labelledby_review(page: PageContext, el: etree._Element, prohibited: list[str]) -> bool:
    """axe's getLabelledbyReviewKey: True when the finding is only for review."""
    if "aria-labelledby" not in prohibited or set(prohibited) - set(_LABEL_ATTRS):
        return False
    has_label = "aria-label" in prohibited
    refs = [page.by_id[t] for t in el.get("aria-labelledby").split() if t in page.by_id]
    if not refs:
        return not has_label
    if any(page.is_hidden(ref) for ref in refs):
        return False
    return not (has_label and not page.labelledby_text(el))


@axe_rule("aria-required-attr")
def aria_required_attr(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-required-attr.json: selector [role]; check aria-required-attr
    (the explicit role's requiredAttrs, each present with a value or implied by the
    element; a static separator, a closed combobox and a slider with aria-valuetext
    pass)."""
    for el in page.elements():
        if el.get("role") is None or page.is_hidden(el):
            continue
        role = aria.explicit_role(el)
        required = list((aria.aria_roles().get(role or "") or {}).get("requiredAttrs") or ())
        if not role or not required:
            continue
        if role == "separator" and not page.is_focusable(el):
            continue
        if role == "combobox" and aria.aria_value(el, "aria-expanded") == "false":
            continue
        if role == "slider" and aria.aria_value(el, "aria-valuetext"):
            continue
        implied = aria.element_spec(el).get("implicitAttrs") or {}
        missing = [a for a in required if not aria.aria_value(el, a) and a not in implied]
        if missing:
            yield Issue(f'role="{role}" requires {", ".join(missing)}.', element=el)


_ARIA_FALLBACK_VALUES = {"aria-current": "true", "aria-required": "true", "aria-readonly": "true"}


def _ignored_attr(el: etree._Element, name: str) -> bool:
    value = el.get(name)
    return (name == "aria-required" and value == "false") or (
        name == "aria-multiline" and value == "false" and el.get("contenteditable") is not None
    )


@axe_rule("aria-allowed-attr")
def aria_allowed_attr(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-allowed-attr.json: aria-allowed-attr-matches; all of
    aria-allowed-attr (attributes the element's role allows; case-sensitive values
    written in another case), aria-allowed-attr-elm (elements that allow no ARIA at
    all, e.g. <meta>), aria-no-deprecated-attr (review); none: aria-unsupported-attr
    (no attribute is unsupported in 4.14's table)."""
    specs = aria.aria_attrs()
    for el in _with_aria_attrs(page):
        names = _attrs(el)
        role = aria.get_role(el, page.by_id)
        allowed = aria.allowed_attrs(role)
        invalid = [a for a in names if a in specs and a not in allowed
                   and not _ignored_attr(el, a)]
        if invalid:
            review = not role and not aria.is_html_element(el) and not page.is_focusable(el)
            on = f'role="{role}"' if role else f"<{el.tag}>"
            yield Issue(f"{_quoted(el, invalid)} is not allowed on {on}.", element=el,
                        needs_review=review)
            continue
        case_fail, case_review = [], []
        for name in names:
            spec = specs.get(name)
            value = el.get(name) or ""
            if spec is None or spec.get("caseInsensitive") is not False or value == value.lower():
                continue
            default = _ARIA_FALLBACK_VALUES.get(name, spec.get("defaultValue"))
            (case_review if value.lower() == default else case_fail).append(name)
        elm_spec = aria.element_spec(el)
        not_on_element = []
        if elm_spec.get("allowedAriaAttrs") is not None and not aria.explicit_role(el):
            not_on_element = [a for a in names if a in aria.global_aria_attrs()
                              and a not in elm_spec["allowedAriaAttrs"]]
        if case_fail or not_on_element:
            problems = []
            if case_fail:
                problems.append(f"{_quoted(el, case_fail)}: ARIA values are lower case")
            if not_on_element:
                problems.append(f"{_quoted(el, not_on_element)} is not allowed on <{el.tag}>")
            yield Issue("; ".join(problems) + ".", element=el)
            continue
        deprecated = [a for a in names if (specs.get(a) or {}).get("deprecated")]
        if case_review or deprecated:
            what = case_review and f"{_quoted(el, case_review)}: ARIA values are lower case"
            dep = deprecated and f"{', '.join(deprecated)} is deprecated"
            yield Issue("; ".join(p for p in (what, dep) if p) + ".", element=el,
                        needs_review=True)


def _is_string_type(name: str) -> bool:
    return (aria.aria_attrs().get(name) or {}).get("type") == "string"


def _invalid_values(page: PageContext, el: etree._Element) -> tuple[list[str], str]:
    """axe's aria-valid-attr-value-evaluate.js: (invalid "attr=value" list, the last
    value that only needs review)."""
    invalid: list[str] = []
    review = ""

    def has_popup() -> bool:
        return aria.aria_value(el, "aria-haspopup") not in ("false", None)

    for name in _attrs(el):
        if name == "aria-errormessage" or not _ARIA.match(name):
            continue
        value = el.get(name)
        valid = aria.validate_attr_value(el, name, page.by_id)
        counts = True
        if name == "aria-controls":
            if has_popup() and not valid:
                review = f'aria-controls="{value}"'
            counts = (aria.aria_value(el, "aria-expanded") != "false"
                      and aria.aria_value(el, "aria-selected") != "false"
                      and not has_popup())
        elif name in ("aria-current", "aria-describedby", "aria-labelledby"):
            if not valid:
                review = f'{name}="{value}"'
            counts = False
        elif name == "aria-owns":
            counts = aria.aria_value(el, "aria-expanded") != "false"
        if counts and not valid:
            if value == "" and not _is_string_type(name):
                review = name
            else:
                invalid.append(f'{name}="{value}"')
    return invalid, review


def _errormessage_problem(page: PageContext, el: etree._Element) -> tuple[str, bool] | None:
    """axe's aria-errormessage-evaluate.js: (problem, needs_review) or None."""
    value = el.get("aria-errormessage")
    if el.get("aria-invalid") is None or aria.aria_value(el, "aria-invalid") == "false":
        return None
    if value is None:
        return None
    if not value.strip():
        return None  # allowEmpty
    tokens = value.split()
    if len(tokens) > 1:
        return "aria-errormessage must reference one element", False
    target = page.by_id.get(tokens[0])
    if target is None:
        return f'aria-errormessage="{value}" references no element', True
    if page.is_hidden(target):
        return f'aria-errormessage="{value}" references a hidden element', False
    described = (aria.aria_value(el, "aria-describedby") or "").split()
    if (aria.explicit_role(target) == "alert"
            or aria.aria_value(target, "aria-live") in ("assertive", "polite")
            or tokens[0] in described):
        return None
    return (f'aria-errormessage="{value}" references an element that is neither an alert, '
            "a live region nor in aria-describedby", False)


@axe_rule("aria-valid-attr-value")
def aria_valid_attr_value(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-valid-attr-value.json: aria-has-attr-matches; all of
    aria-valid-attr-value (values by type: true/false, tokens, id references that
    resolve, numbers; idrefs of aria-current/-describedby/-labelledby only for
    review), aria-errormessage and aria-level (above 6: review)."""
    for el in _with_aria_attrs(page):
        invalid, review = _invalid_values(page, el)
        problems = [f"{', '.join(invalid)}: not a valid value"] if invalid else []
        reviews = [f"{review}: check the value"] if review else []
        error = _errormessage_problem(page, el)
        if error:
            (reviews if error[1] else problems).append(error[0])
        level_value = aria.aria_value(el, "aria-level")
        if level_value is not None:
            number = aria.parse_int(level_value)
            if number is not None and number > 6:
                reviews.append(f'aria-level="{level_value}": most screen readers stop at 6')
        if problems:
            yield Issue("; ".join(problems) + ".", element=el)
        elif reviews:
            yield Issue("; ".join(reviews) + ".", element=el, needs_review=True)


# -- hidden and focus --------------------------------------------------------------------


@axe_rule("aria-hidden-body")
def aria_hidden_body(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-hidden-body.json: selector body, excludeHidden false; check
    aria-hidden-body (aria-hidden is not "true")."""
    for body in page.elements("body"):
        if aria.aria_value(body, "aria-hidden") == "true":
            yield Issue('aria-hidden="true" on <body> hides the whole page from assistive '
                        "technology.", element=body)


def _focusable_widgets(page: PageContext, el: etree._Element) -> list[etree._Element]:
    """axe's getFocusableDescendants: focusable descendants with a widget role (not
    looking inside one once found)."""
    found = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if _role_type(page.role(child)) == "widget" and page.is_focusable(child):
            found.append(child)
        else:
            found.extend(_focusable_widgets(page, child))
    return found


@axe_rule("aria-text")
def aria_text(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-text.json: selector [role=text]; check no-focusable-content
    (no focusable descendant with a widget role)."""
    for el in page.elements():
        if el.get("role") == "text" and not page.is_hidden(el) and _focusable_widgets(page, el):
            yield Issue('role="text" contains focusable content, which it would hide from '
                        "screen readers.", element=el)


@axe_rule("tabindex")
def tabindex(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/tabindex.json: selector [tabindex]; check tabindex (parsed the
    way axe's parseTabindex reads it, at most 0)."""
    for el in page.elements():
        value = aria.tabindex(el)
        if value is not None and value > 0 and not page.is_hidden(el):
            yield Issue(f'tabindex="{el.get("tabindex")}" puts this element ahead of the '
                        "page's natural focus order.", element=el)


@axe_rule("accesskeys")
def accesskeys(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/accesskeys.json: selector [accesskey], excludeHidden false; check
    accesskeys and its after step: the first rendered element of each accesskey
    value (case-insensitive) that another rendered element repeats."""
    first: dict[str, etree._Element] = {}
    repeated: list[etree._Element] = []
    for el in page.elements():
        key = el.get("accesskey")
        if not key or el in page.hidden_for_everyone:
            continue
        owner = first.setdefault(key.upper(), el)
        if owner is not el and owner not in repeated:
            repeated.append(owner)
    for el in repeated:
        yield Issue(f'accesskey="{el.get("accesskey")}" is used by more than one element.',
                    element=el)


# Tags whose implicit role may have childrenPresentational (button, img, checkbox,
# radio, slider, separator, option, progressbar, meter, math...).
_PRESENTATIONAL_CHILDREN_TAGS = frozenset(
    {"button", "img", "input", "hr", "option", "progress", "meter", "summary", "math"}
)


@axe_rule("nested-interactive")
def nested_interactive(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/nested-interactive.json: nested-interactive-matches (getRole has
    childrenPresentational: button, checkbox, img, option, tab...); check
    no-focusable-content (no focusable descendant with a widget role)."""
    for el in page.elements():
        if el.get("role") is None and el.tag not in _PRESENTATIONAL_CHILDREN_TAGS:
            continue  # no implicit role of this tag has presentational children
        role = page.role(el)
        if not role or not aria.aria_roles()[role].get("childrenPresentational"):
            continue
        if not page.is_hidden(el) and _focusable_widgets(page, el):
            yield Issue(
                f"This {role} contains focusable controls, which screen readers do not "
                "announce inside it.",
                element=el,
            )


# -- required owned elements and context --------------------------------------------------

_REVIEW_EMPTY = frozenset({
    "doc-bibliography", "doc-endnotes", "grid", "list", "listbox", "menu", "menubar",
    "table", "tablist", "tree", "treegrid", "rowgroup",
})
_OWN_GROUP_ROLES = ("listitem", "treeitem")
def _owned_nodes(page: PageContext, el: etree._Element) -> list:
    """axe's getOwnedVirtual: the children, with aria-owns targets moved to the end."""
    children = dom.child_nodes(el)
    if not (el.get("aria-owns") or "").strip():
        return children
    owned = []
    for token in el.get("aria-owns").split():
        target = page.by_id.get(token)
        if target is not None and target not in owned:
            owned.append(target)
    return [c for c in children if isinstance(c, str) or c not in owned] + owned


def _global_attr(el: etree._Element) -> str | None:
    return next((a for a in aria.global_aria_attrs() if el.get(a) is not None), None)


def _owned_roles(page: PageContext, el: etree._Element, required: list[str]) -> list[tuple]:
    """axe's getOwnedRoles: (role, node) for each owned text node or element that has
    a role, a global ARIA attribute or focus; looks through generic elements and
    through a group/rowgroup that is itself required."""
    queue = _owned_nodes(page, el)
    found: list[tuple] = []
    while queue:
        node = queue.pop(0)
        if isinstance(node, str):
            found.append((None, node))
            continue
        if page.is_hidden(node):
            continue
        role = page.role(node, no_presentational=True)
        marked = bool(_global_attr(node)) or page.is_focusable(node)
        if (not role and not marked) or (role in ("group", "rowgroup") and role in required):
            queue.extend(dom.child_nodes(node))
        else:
            found.append((role, node))
    return found


def has_content(page: PageContext, el: etree._Element, *, ignore_aria: bool,
                recurse: bool = True) -> bool:
    """axe's hasContentVirtual: text of its own, visual content, a label (unless
    ignored), or (unless `recurse` is off) a descendant with content."""
    if dom.has_child_text(el) or dom.is_visual_content(el):
        return True
    if not ignore_aria and page.aria_name(el):
        return True
    return recurse and any(has_content(page, c, ignore_aria=False)
                           for c in el if isinstance(c.tag, str))


@axe_rule("aria-required-children")
def aria_required_children(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-required-children.json: aria-required-children-matches (an
    explicit role, dpub included, with requiredOwned); check aria-required-children
    (lib/checks/aria/aria-required-children-evaluate.js): an owned element with a
    role that is neither required nor allowed there fails; none of the required
    roles fails, unless aria-busy; an empty list, table, menu... is for review."""
    for el in page.elements():
        if el.get("role") is None or page.is_hidden(el):
            continue
        role = aria.explicit_role(el)
        required = list((aria.aria_roles().get(role or "") or {}).get("requiredOwned") or ())
        if not required:
            continue
        owned = _owned_roles(page, el, required)
        unallowed = [
            (child_role, node) for child_role, node in owned
            if not isinstance(node, str) and child_role not in required
            and role not in ((aria.aria_roles().get(child_role or "") or {})
                             .get("requiredContext") or ())
        ]
        if unallowed:
            what = ", ".join(sorted({f'role="{r}"' if r else f"<{n.tag}>" for r, n in unallowed}))
            yield Issue(f'role="{role}" must not contain {what}; it may only own '
                        f"{', '.join(required)}.", element=el)
            continue
        if any(child_role in required for child_role, _ in owned if child_role):
            continue
        if aria.aria_value(el, "aria-busy") == "true":
            continue
        empty = not any(
            node.strip() if isinstance(node, str) else has_content(page, node, ignore_aria=True)
            for _, node in owned
        )
        yield Issue(f'role="{role}" must contain {" or ".join(required)}.', element=el,
                    needs_review=role in _REVIEW_EMPTY and empty)


def _missing_context(page: PageContext, el: etree._Element, context: list[str] | None = None,
                     *, include_element: bool = False) -> list[str] | None:
    """axe's getMissingContext: None when an ancestor has a required context role."""
    own_role = aria.explicit_role(el)
    if context is None:
        context = list((aria.aria_roles().get(own_role or "") or {}).get("requiredContext")
                       or ())
    if not context:
        return None
    allows_group = "group" in context
    nodes = (el, *el.iterancestors()) if include_element else el.iterancestors()
    for node in nodes:
        role = page.role(node, no_presentational=True)
        if not role:
            continue
        if role == "group" and allows_group:
            if own_role in _OWN_GROUP_ROLES:
                context.append(own_role)
            context = [r for r in context if r != "group"]
            continue
        return None if role in context else context
    return context


@axe_rule("aria-required-parent")
def aria_required_parent(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-required-parent.json: aria-required-parent-matches (an
    explicit role with requiredContext); check aria-required-parent: the nearest
    ancestor with a role (generic ones skipped, a group passed through) must be one
    of the context roles, or an element that aria-owns it (or an ancestor) must be."""
    owners_of: dict[str, etree._Element] = {}
    for node in page.elements():
        for token in (node.get("aria-owns") or "").split():
            owners_of.setdefault(token, node)
    for el in page.elements():
        if el.get("role") is None or page.is_hidden(el):
            continue
        missing = _missing_context(page, el)
        if not missing:
            continue
        for node in (el, *el.iterancestors()):
            owner = owners_of.get(node.get("id") or "")
            if owner is not None:
                missing = _missing_context(page, owner, missing, include_element=True)
                if not missing:
                    break
        if missing:
            yield Issue(f'role="{aria.explicit_role(el)}" must be inside '
                        f'{" or ".join(missing)}.', element=el)


# -- focus inside aria-hidden, duplicate references, autocomplete --------------------------

_DISABLEABLE = ("button", "fieldset", "input", "select", "textarea")


@axe_rule("aria-hidden-focus")
def aria_hidden_focus(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-hidden-focus.json: selector [aria-hidden="true"], the
    outermost one (aria-hidden-focus-matches), excludeHidden false; all of
    focusable-modal-open, focusable-disabled, focusable-not-tabbable: a tabbable
    element inside fails; with an onfocus handler (it may move focus away) or an
    open modal it is for review."""
    for el in page.elements():
        if el.get("aria-hidden") != "true" or any(
            aria.aria_value(a, "aria-hidden") == "true" for a in el.iterancestors()
        ):
            continue
        tabbable = [
            node for node in el.iter()
            if isinstance(node.tag, str) and page.is_focusable(node)
            and (aria.tabindex(node) is None or aria.tabindex(node) >= 0)
        ]
        if not tabbable:
            continue
        review = page.modal_open or all(node.get("onfocus") is not None for node in tabbable)
        yield Issue(
            f"This aria-hidden element contains {len(tabbable)} focusable element(s): "
            "keyboard users reach controls that screen readers do not announce.",
            element=el,
            needs_review=review,
        )


def _referenced_ids(page: PageContext) -> set[str]:
    """axe's getAccessibleRefs index: ids named by label[for] and by ARIA id-reference
    attributes."""
    ref_attrs = [a for a, spec in aria.aria_attrs().items() if spec["type"] in ("idref",
                                                                               "idrefs")]
    refs: set[str] = set()
    for el in page.elements():
        if el.tag == "label" and el.get("for") is not None:
            refs.add(el.get("for"))
        for attr in ref_attrs:
            refs.update((el.get(attr) or "").split())
    return refs


@axe_rule("duplicate-id-aria")
def duplicate_id_aria(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/duplicate-id-aria.json: selector [id] referenced by ARIA or a
    label (duplicate-id-aria-matches), excludeHidden false, reviewOnFail: the first
    element of each such id that another element repeats, for review."""
    if max(page.id_counts.values(), default=0) < 2:
        return
    refs = _referenced_ids(page)
    seen: set[str] = set()
    for el in page.elements():
        raw = el.get("id")
        if raw is None or raw not in refs:
            continue
        key = raw.strip()
        if not key or key in seen:
            continue
        seen.add(key)
        if page.id_counts.get(key, 0) > 1 or (key != raw and key in page.id_counts):
            yield Issue(
                f'id="{key}" is referenced by a label or ARIA attribute and used by '
                "several elements; only the first is used.",
                element=el,
                needs_review=True,
            )


def _duplicate_firsts(page: PageContext, *, focusable: bool) -> Iterator[tuple]:
    """duplicate-id-misc-matches (focusable False) or duplicate-id-active-matches
    (focusable True): an [id] not referenced by a label or ARIA, where no element
    (or some element) with that trimmed id can take focus; then the duplicate-id
    check with its after step: (element, id, count) for the first element of each
    repeated id."""
    if max(page.id_counts.values(), default=0) < 2:
        return
    refs = _referenced_ids(page)
    by_id: dict[str, list[etree._Element]] = {}
    for el in page.elements():
        if el.get("id"):
            by_id.setdefault(el.get("id"), []).append(el)
    seen: set[str] = set()
    for el in page.elements():
        raw = el.get("id")
        if raw is None or not raw.strip() or raw in refs:
            continue
        key = raw.strip()  # axe trims, then selects [id="key"] exactly
        same = by_id.get(key, [])
        if key in seen or any(page.is_focusable(e) for e in same) != focusable:
            continue
        seen.add(key)
        if any(e is not el for e in same):
            yield el, key, len(same)


@axe_rule("duplicate-id")
def duplicate_id(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/duplicate-id.json (deprecated in axe, off by default there; kept
    because a repeated id breaks fragments and scripts too): selector [id],
    duplicate-id-misc-matches (not referenced by a label or ARIA, and no element with
    that id can take focus: those cases are duplicate-id-aria and duplicate-id-active),
    excludeHidden false; check duplicate-id with its after step: the first element of
    each repeated id."""
    for el, key, count in _duplicate_firsts(page, focusable=False):
        yield Issue(f'id="{key}" is used by {count} elements.', element=el)


@axe_rule("duplicate-id-active")
def duplicate_id_active(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/duplicate-id-active.json (deprecated, off by default in axe):
    selector [id], duplicate-id-active-matches (not referenced by a label or ARIA,
    and some element with that id can take focus), excludeHidden false; check
    duplicate-id with its after step: the first element of each repeated id."""
    for el, key, count in _duplicate_firsts(page, focusable=True):
        yield Issue(f'id="{key}" is used by {count} elements, one of them focusable.',
                    element=el)


_AUTOCOMPLETE_STATES = ("none", "false", "true", "disabled", "enabled", "undefined", "null",
                        "xoff", "xon", "on", "off")
_AUTOCOMPLETE_IGNORED = ("text", "pronouns", "gender", "message", "content")
_AUTOCOMPLETE_STANDALONE = frozenset("""name honorific-prefix given-name additional-name
family-name honorific-suffix nickname username new-password current-password
organization-title organization street-address address-line1 address-line2 address-line3
address-level4 address-level3 address-level2 address-level1 country country-name
postal-code cc-name cc-given-name cc-additional-name cc-family-name cc-number cc-exp
cc-exp-month cc-exp-year cc-csc cc-type transaction-currency transaction-amount language
bday bday-day bday-month bday-year sex url photo one-time-code""".split())
_AUTOCOMPLETE_QUALIFIERS = ("home", "work", "mobile", "fax", "pager")
_AUTOCOMPLETE_QUALIFIED = frozenset("""tel tel-country-code tel-national tel-area-code
tel-local tel-local-prefix tel-local-suffix tel-extension email impp""".split())


def autocomplete_valid(value: str) -> bool | None:
    """axe's isValidAutocomplete (lib/commons/text/is-valid-autocomplete.js) with the
    rule's options: True, False, or None when the purpose is one axe leaves for review."""
    value = value.lower().strip()
    if value in _AUTOCOMPLETE_STATES or not value:
        return True
    terms = value.split()
    if terms[-1] == "webauthn":
        terms.pop()
        if not terms:
            return False
    standalone = _AUTOCOMPLETE_STANDALONE
    if len(terms[0]) > 8 and terms[0].startswith("section-"):
        terms.pop(0)
    if terms and terms[0] in ("billing", "shipping"):
        terms.pop(0)
    if terms and terms[0] in _AUTOCOMPLETE_QUALIFIERS:
        terms.pop(0)
        standalone = frozenset()
    if len(terms) != 1:
        return False
    if terms[0] in _AUTOCOMPLETE_IGNORED:
        return None
    return terms[0] in standalone or terms[0] in _AUTOCOMPLETE_QUALIFIED


def _autocomplete_applies(el: etree._Element) -> bool:
    """axe's autocomplete-matches."""
    if not " ".join((el.get("autocomplete") or "").split()):
        return False
    if el.get("readonly") is not None or (el.get("aria-readonly") or "").lower() == "true":
        return False
    if el.tag == "input" and aria.input_type(el) in ("submit", "reset", "button", "hidden"):
        return False
    if el.get("disabled") is not None or (el.get("aria-disabled") or "").lower() == "true":
        return False
    index = aria.tabindex(el)
    if index is not None and index < 0 and el.get("role") is not None:
        return _role_type(aria.explicit_role(el)) == "widget"
    return True


@axe_rule("autocomplete-valid")
def autocomplete_valid_rule(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/autocomplete-valid.json: input/select/textarea with a non-empty
    autocomplete (autocomplete-matches: not read-only, disabled or a button type);
    check autocomplete-valid: the tokens must form a valid autofill detail."""
    for el in page.elements("input", "select", "textarea"):
        if page.is_hidden(el) or not _autocomplete_applies(el):
            continue
        valid = autocomplete_valid(el.get("autocomplete"))
        if valid is False:
            yield Issue(f'autocomplete="{el.get("autocomplete")}" is not a valid autofill '
                        "value.", element=el)
        elif valid is None:
            yield Issue(f'autocomplete="{el.get("autocomplete")}" is a purpose browsers may '
                        "not support.", element=el, needs_review=True)


# -- conditional attributes, role descriptions --------------------------------------------

_INVALID_TABLE_ROW_ATTRS = ("aria-posinset", "aria-setsize", "aria-expanded", "aria-level")


def _normalize_checked(value: str | None) -> str:
    """axe's normalizeAriaChecked: "" when absent or empty, else mixed/true/false."""
    if not value:
        return ""
    value = value.lower()
    return value if value in ("mixed", "true") else "false"


def _row_owner(el: etree._Element) -> etree._Element | None:
    """axe's getRowOwner: closest table:not([role]), [role~=treegrid|table|grid]."""
    for node in (el, *el.iterancestors()):
        tokens = (node.get("role") or "").split()
        if (node.tag == "table" and node.get("role") is None) or \
                any(t in ("treegrid", "table", "grid") for t in tokens):
            return node
    return None


@axe_rule("aria-conditional-attr")
def aria_conditional_attr(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-conditional-attr.json: aria-allowed-attr-matches; check
    aria-conditional-attr (lib/checks/aria/aria-conditional-attr-evaluate.js): a row
    outside a treegrid must not use aria-posinset/-setsize/-expanded/-level; a native
    checkbox or radio's aria-checked must agree with its checked state (the checked
    attribute here: `indeterminate` is set only by scripts)."""
    for el in _with_aria_attrs(page):
        role = page.role(el)
        if role == "row":
            invalid = [a for a in _INVALID_TABLE_ROW_ATTRS if el.get(a) is not None]
            owner = _row_owner(el) if invalid and el.getparent() is not None else None
            owner_role = page.role(owner) if owner is not None else None
            if invalid and owner_role and owner_role != "treegrid":
                yield Issue(f"{', '.join(invalid)} is only allowed on rows of a treegrid, not of "
                            f"a {owner_role}.", element=el)
        elif role in ("checkbox", "radio") and el.tag == "input" and \
                aria.input_type(el) == role:
            checked = _normalize_checked(el.get("aria-checked"))
            state = "true" if el.get("checked") is not None else "false"
            if checked and checked != state:
                yield Issue(f'aria-checked="{el.get("aria-checked")}" contradicts the '
                            f"{role}'s own checked state ({state}); remove aria-checked.",
                            element=el)


_ROLEDESCRIPTION_SUPPORTED = ("button", "img", "image", "checkbox", "radio", "combobox",
                              "menuitemcheckbox", "menuitemradio")


@axe_rule("aria-roledescription")
def aria_roledescription(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-roledescription.json (off by default in axe): selector
    [aria-roledescription]; check aria-roledescription: fine on roles that support it,
    for review on other roles, a failure on an element without a (non-presentational)
    role."""
    for el in page.elements():
        if el.get("aria-roledescription") is None or page.is_hidden(el):
            continue
        role = page.role(el)
        if role in _ROLEDESCRIPTION_SUPPORTED:
            continue
        if role and role not in aria.PRESENTATIONAL:
            yield Issue(f"aria-roledescription on role {role}: screen reader support is "
                        "uncertain.", element=el, needs_review=True)
        else:
            yield Issue("aria-roledescription on an element without a semantic role is "
                        "ignored.", element=el)


@axe_rule("aria-braille-equivalent")
def aria_braille_equivalent(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/aria-braille-equivalent.json: selector [aria-brailleroledescription],
    [aria-braillelabel], reviewOnFail (so always for review); all of
    braille-roledescription-equivalent (a braille role description needs a non-empty
    aria-roledescription) and braille-label-equivalent (a braille label needs an
    accessible name)."""
    for el in page.elements():
        braille_role = el.get("aria-brailleroledescription")
        braille_label = el.get("aria-braillelabel")
        if (braille_role is None and braille_label is None) or page.is_hidden(el):
            continue
        problems = []
        if braille_role is not None and braille_role.split():
            if not (el.get("aria-roledescription") or "").split():
                problems.append("aria-brailleroledescription without a non-empty "
                                "aria-roledescription")
        if braille_label is not None and braille_label.strip():
            if not page.accessible_name(el):
                problems.append("aria-braillelabel on an element without an accessible name")
        if problems:
            yield Issue("; ".join(problems).capitalize() + ".", element=el, needs_review=True)
