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

from apps.analyses.analyzers import aria
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
