"""Accessibility rules on the document: language and title (axe-core 4.14), heading order.

The accessible-name rules (image-alt, label, button-name, link-name,
empty-heading, ...) are in names.py.

axe-core runs in a browser and sees computed styles and the real accessibility
tree; these rules see only the parsed HTML. Where that matters (hidden content,
accessible names) they approximate from markup and say so in the docstring.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import langcodes

from apps.analyses.analyzers import aria
from apps.analyses.analyzers.axe import axe_rule
from apps.analyses.analyzers.base import (
    ACCESSIBILITY,
    SEO,
    Issue,
    PageContext,
)

PRESENTATIONAL_ROLES = ("presentation", "none")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@axe_rule(
    "html-has-lang",
    help='Declare the page language, e.g. <html lang="en">, so screen readers pronounce it.',
)
def html_has_lang(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/html-has-lang.json, check has-lang: a non-empty lang; xml:lang
    alone fails (HTML documents need lang)."""
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


@axe_rule("html-lang-valid", help='Use a registered language such as "en", "fr-CA" or "zh-Hant".')
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


@axe_rule(
    "document-title",
    categories=(ACCESSIBILITY, SEO),  # Lighthouse's SEO category includes it
    help="Give the page a short, unique, descriptive <title>; it names the tab and the search "
    "result.",
)
def document_title(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/document-title.json, check doc-has-title (a non-empty title after
    whitespace is collapsed). Shared by accessibility and SEO: one id, one finding,
    counted in both categories."""
    title = page.document.title
    if title is None:
        yield Issue("The page has no <title> element.", element=page.tree)
    elif not title:
        yield Issue("The page's <title> element is empty.", element=page.tree)


def heading_level(page: PageContext, el) -> int | None:
    """axe's getLevel (lib/checks/navigation/heading-order-evaluate.js) for an element
    whose getRole is heading: a valid aria-level (parseInt, at least 1, no upper
    bound) wins; else h1-h6 their number; else 2. None for other roles."""
    if page.role(el) != "heading":
        return None
    number = el.tag[1] if el.tag in HEADING_TAGS else None
    value = aria.aria_value(el, "aria-level")
    level = aria.parse_int(value)
    if number and not value:
        return int(number)
    if level is None or level < 1:
        return int(number) if number else 2
    return level


def _headings(page: PageContext) -> Iterator[tuple[object, int]]:
    """heading-matches (getRole is heading), visible to screen readers, in order."""
    candidates = {id(el): el for el in (*page.elements(*HEADING_TAGS), *page.with_role("heading"))}
    for el in sorted(candidates.values(), key=page.position):
        level = heading_level(page, el)
        if level is not None and not page.is_hidden(el):
            yield el, level


@axe_rule("heading-order")
def heading_order(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/heading-order.json with the heading-order check's after step: a
    heading more than one level below the previous heading fails; the first heading
    may have any level."""
    previous: int | None = None
    for el, level in _headings(page):
        if previous is not None and level > previous + 1:
            yield Issue(f"Heading level {level} follows level {previous}.", element=el)
        previous = level
