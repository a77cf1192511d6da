"""Accessibility rules: a static subset of axe-core 4.10, with axe's ids and tags.

axe-core runs in a browser and sees computed styles and the real accessibility
tree; these rules see only the parsed HTML. Where that matters (hidden content,
accessible names) they approximate from markup and say so in the docstring.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import langcodes

from apps.analyses.analyzers import dom
from apps.analyses.analyzers.base import (
    ACCESSIBILITY,
    CRITICAL,
    MINOR,
    MODERATE,
    SEO,
    SERIOUS,
    Issue,
    PageContext,
    page_rule,
)

AXE_VERSION = "4.10"


def axe_help_url(rule_id: str) -> str:
    return f"https://dequeuniversity.com/rules/axe/{AXE_VERSION}/{rule_id}"


PRESENTATIONAL_ROLES = ("presentation", "none")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _title(el) -> str:
    return " ".join((el.get("title") or "").split())


@page_rule(
    id="image-alt",
    categories=(ACCESSIBILITY, SEO),  # Lighthouse's SEO category includes it
    severity=CRITICAL,
    tags=(
        "cat.text-alternatives",
        "wcag2a",
        "wcag111",
        "section508",
        "section508.22.a",
        "EN-301-549",
        "EN-9.1.1.1",
        "ACT",
    ),
    title="Images must have alternate text",
    help='Give every <img> an alt attribute: a description, or alt="" when it is decorative.',
    help_url=axe_help_url("image-alt"),
)
def image_alt(page: PageContext) -> Iterator[Issue]:
    """axe: has-alt | aria-label | aria-labelledby | non-empty-title | presentational role,
    and none of alt-space-value (alt=" " is announced as nothing yet is not alt="")."""
    for img in page.elements("img"):
        if page.is_hidden(img) or dom.role(img) in PRESENTATIONAL_ROLES:
            continue
        alt = img.get("alt")
        if alt is not None:
            if alt and not alt.strip():
                yield Issue(
                    'The alt attribute holds only whitespace; use alt="" for a decorative '
                    "image or describe it.",
                    element=img,
                )
            continue
        if page.aria_name(img) or _title(img):
            continue
        yield Issue("Image has no alt attribute and no other text alternative.", element=img)


@page_rule(
    id="html-has-lang",
    categories=(ACCESSIBILITY,),
    severity=SERIOUS,
    tags=("cat.language", "wcag2a", "wcag311", "EN-301-549", "EN-9.3.1.1", "ACT"),
    title="<html> element must have a lang attribute",
    help='Declare the page language, e.g. <html lang="en">, so screen readers pronounce it.',
    help_url=axe_help_url("html-has-lang"),
)
def html_has_lang(page: PageContext) -> Iterator[Issue]:
    root = page.tree
    if (root.get("lang") or "").strip():
        return
    if (root.get("xml:lang") or "").strip():
        message = "The <html> element has xml:lang but no lang attribute, which HTML requires."
    else:
        message = "The <html> element has no lang attribute (or an empty one)."
    yield Issue(message, element=root)


def get_base_lang(value: str | None) -> str:
    """axe's getBaseLang: value.trim().split('-')[0].toLowerCase() ("" when none)."""
    if not value:
        return ""
    return value.strip().split("-")[0].lower()


@cache
def is_valid_base_lang(base: str) -> bool:
    """axe's isValidLang (lib/core/utils/valid-langs.js) on a primary subtag: two or
    three ASCII letters naming a language in the IANA subtag registry."""
    return (
        2 <= len(base) <= 3
        and base.isascii()
        and base.isalpha()
        and langcodes.tag_is_valid(base.lower())
    )


def is_valid_lang(value: str) -> bool:
    """Whether the primary language subtag of `value` is registered, as axe checks it
    (only the base language counts: "en-US", "en--x" and "en_" differ only after it)."""
    return is_valid_base_lang(get_base_lang(value))


def invalid_lang_attrs(el, attrs: tuple[str, ...] = ("lang", "xml:lang")) -> list[str]:
    """axe lib/checks/language/valid-lang-evaluate.js, the attribute part: an attribute
    is invalid when its base language is non-empty and unregistered, or when it is
    whitespace only (lang="" itself is ignored)."""
    invalid = []
    for attr in attrs:
        value = el.get(attr)
        if value is None:
            continue
        base = get_base_lang(value)
        if (base and not is_valid_base_lang(base)) or (value and not value.strip()):
            invalid.append(f'{attr}="{value}"')
    return invalid


@page_rule(
    id="html-lang-valid",
    categories=(ACCESSIBILITY,),
    severity=SERIOUS,
    tags=("cat.language", "wcag2a", "wcag311", "EN-301-549", "EN-9.3.1.1", "ACT"),
    title="<html> element must have a valid value for the lang attribute",
    help='Use a registered language such as "en", "fr-CA" or "zh-Hant".',
    help_url=axe_help_url("html-lang-valid"),
)
def html_lang_valid(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/html-lang-valid.json: selector "html[lang]:not([lang='']),
    html[xml\\:lang]:not([xml\\:lang=''])", check valid-lang (attributes lang and
    xml:lang; the primary subtag must be in the IANA registry, via langcodes)."""
    root = page.tree
    if root.tag != "html" or not (root.get("lang") or root.get("xml:lang")):
        return
    invalid = invalid_lang_attrs(root)
    if invalid:
        yield Issue(
            f"{' and '.join(invalid)} on <html> does not start with a registered language "
            "subtag.",
            element=root,
        )


@page_rule(
    id="document-title",
    categories=(ACCESSIBILITY, SEO),  # Lighthouse's SEO category includes it
    severity=SERIOUS,
    tags=("cat.text-alternatives", "wcag2a", "wcag242", "EN-301-549", "EN-9.2.4.2", "ACT"),
    title="Documents must have a <title> element",
    help="Give the page a short, unique, descriptive <title>; it names the tab and the search "
    "result.",
    help_url=axe_help_url("document-title"),
)
def document_title(page: PageContext) -> Iterator[Issue]:
    """Shared by accessibility and SEO: one id, one finding, counted in both categories."""
    title = page.document.title
    if title is None:
        yield Issue("The page has no <title> element.", element=page.tree)
    elif not title:
        yield Issue("The page's <title> element is empty.", element=page.tree)


_UNLABELLED_INPUT_TYPES = frozenset({"hidden", "image", "button", "submit", "reset"})


@page_rule(
    id="label",
    categories=(ACCESSIBILITY,),
    severity=CRITICAL,
    tags=(
        "cat.forms",
        "wcag2a",
        "wcag412",
        "section508",
        "section508.22.n",
        "EN-301-549",
        "EN-9.4.1.2",
        "ACT",
    ),
    title="Form elements must have labels",
    help="Associate a <label for=...> (or a wrapping <label>) with every form field.",
    help_url=axe_help_url("label"),
)
def label(page: PageContext) -> Iterator[Issue]:
    """axe: implicit-label | explicit-label | aria-label | aria-labelledby |
    non-empty-title | non-empty-placeholder. Also checks <select> here (axe has
    a separate select-name rule with the same checks)."""
    labels_for: dict[str, list] = {}
    for lab in page.elements("label"):
        target = lab.get("for")
        if target:
            labels_for.setdefault(target, []).append(lab)

    for field in page.elements("input", "select", "textarea"):
        if field.tag == "input" and (field.get("type") or "").strip().lower() in (
            _UNLABELLED_INPUT_TYPES
        ):
            continue
        if page.is_hidden(field):
            continue
        if page.aria_name(field) or _title(field) or (field.get("placeholder") or "").strip():
            continue
        field_id = field.get("id")
        if (
            field_id
            and page.by_id.get(field_id) is field
            and any(
                not page.is_hidden(lab) and page.content_text(lab)
                for lab in labels_for.get(field_id, ())
            )
        ):
            continue
        wrapper = next((a for a in field.iterancestors("label")), None)
        if wrapper is not None and page.content_text(wrapper):
            continue
        yield Issue(f"<{field.tag}> form field has no label.", element=field)


@page_rule(
    id="button-name",
    categories=(ACCESSIBILITY,),
    severity=CRITICAL,
    tags=(
        "cat.name-role-value",
        "wcag2a",
        "wcag412",
        "section508",
        "section508.22.a",
        "EN-301-549",
        "EN-9.4.1.2",
        "ACT",
    ),
    title="Buttons must have discernible text",
    help="Give every button visible text, or an aria-label when it only shows an icon.",
    help_url=axe_help_url("button-name"),
)
def button_name(page: PageContext) -> Iterator[Issue]:
    """<button>, role=button, and <input type=button> (axe's input-button-name).
    Submit and reset inputs get a default name from the browser, so they pass."""
    candidates = {id(el): el for el in (*page.elements("button", "input"),
                                         *page.with_role("button"))}
    for el in sorted(candidates.values(), key=page.position):
        el_role = dom.role(el)
        is_input = el.tag == "input"
        input_type = (el.get("type") or "").strip().lower() if is_input else ""
        if is_input:
            if input_type in ("submit", "reset") or (
                input_type != "button" and el_role != "button"
            ):
                continue
        elif el.tag != "button" and el_role != "button":
            continue
        if page.is_hidden(el):
            continue
        if el.tag == "button" and el_role in PRESENTATIONAL_ROLES:
            continue
        if is_input:
            own = " ".join((el.get("value") or "").split())
            if input_type == "image":
                own = own or " ".join((el.get("alt") or "").split())
        else:
            own = page.content_text(el)
        if page.aria_name(el) or own or _title(el):
            continue
        yield Issue("Button has no discernible text.", element=el)


@page_rule(
    id="link-name",
    categories=(ACCESSIBILITY,),
    severity=SERIOUS,
    tags=(
        "cat.name-role-value",
        "wcag2a",
        "wcag244",
        "wcag412",
        "section508",
        "section508.22.a",
        "EN-301-549",
        "EN-9.2.4.4",
        "EN-9.4.1.2",
        "ACT",
    ),
    title="Links must have discernible text",
    help="Give every link text, an image with alt text, or an aria-label.",
    help_url=axe_help_url("link-name"),
)
def link_name(page: PageContext) -> Iterator[Issue]:
    for link in page.elements("a"):
        if link.get("href") is None or page.is_hidden(link):
            continue
        if page.aria_name(link) or page.content_text(link) or _title(link):
            continue
        yield Issue("Link has no discernible text.", element=link)


def heading_level(el) -> int | None:
    """axe's getLevel: role=heading uses aria-level (default 2), h1-h6 their number."""
    el_role = dom.role(el)
    if el_role == "heading":
        try:
            level = int((el.get("aria-level") or "").strip())
        except ValueError:
            return 2
        return level if 1 <= level <= 6 else 2
    if el.tag in HEADING_TAGS and not el_role:
        return int(el.tag[1])
    return None


def _headings(page: PageContext) -> Iterator[tuple[object, int]]:
    candidates = {id(el): el for el in (*page.elements(*HEADING_TAGS), *page.with_role("heading"))}
    for el in sorted(candidates.values(), key=page.position):
        level = heading_level(el)
        if level is not None and not page.is_hidden(el):
            yield el, level


@page_rule(
    id="heading-order",
    categories=(ACCESSIBILITY,),
    severity=MODERATE,
    tags=("cat.semantics", "best-practice"),
    title="Heading levels should only increase by one",
    help="Do not skip heading levels (h2 then h4); screen reader users navigate by them.",
    help_url=axe_help_url("heading-order"),
)
def heading_order(page: PageContext) -> Iterator[Issue]:
    """The first heading may have any level, as in axe."""
    previous: int | None = None
    for el, level in _headings(page):
        if previous is not None and level > previous + 1:
            yield Issue(f"Heading level {level} follows level {previous}.", element=el)
        previous = level


@page_rule(
    id="empty-heading",
    categories=(ACCESSIBILITY,),
    severity=MINOR,
    tags=("cat.name-role-value", "best-practice"),
    title="Headings should not be empty",
    help="Put text in every heading, or remove the heading.",
    help_url=axe_help_url("empty-heading"),
)
def empty_heading(page: PageContext) -> Iterator[Issue]:
    for el, _level in _headings(page):
        if page.aria_name(el) or page.content_text(el) or _title(el):
            continue
        yield Issue("Heading has no text.", element=el)
