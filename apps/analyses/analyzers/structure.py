"""Structure rules: landmarks, headings, deprecated elements, meta refresh/viewport
and language agreement, following axe-core 4.11+ (ids, selectors, checks).

Each rule cites the axe-core sources it follows (lib/rules/<id>.json and the
checks it runs). Where axe looks at rendering (is-on-screen) these rules use
the page's hidden-for-everyone set as the static stand-in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from apps.analyses.analyzers import aria, dom
from apps.analyses.analyzers.accessibility import (
    get_base_lang,
    invalid_lang_attrs,
    is_valid_base_lang,
)
from apps.analyses.analyzers.axe import axe_rule
from apps.analyses.analyzers.base import Issue, PageContext

# -- shared helpers --------------------------------------------------------------------

_NATIVE_SCOPE_FILTER = ("article", "aside", "main", "nav", "section")
_JS_FLOAT = re.compile(r"^\s*[+-]?(?:Infinity|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")


def _js_parse_float(value: str) -> float | None:
    """JavaScript's parseFloat: the longest numeric prefix; None for NaN."""
    match = _JS_FLOAT.match(value)
    return float(match.group(0)) if match else None


def _role_attr_is(el, value: str) -> bool:
    """CSS `[role=value]`: the whole attribute, case-sensitively."""
    return el.get("role") == value


def _landmark_candidates(page: PageContext, tag: str, role: str) -> list:
    """Elements matching `tag:not([role]), [role=role]`, in document order."""
    found = [el for el in page.elements(tag) if el.get("role") is None]
    found += [el for el in page.with_role(role) if _role_attr_is(el, role)]
    return sorted(set(found), key=page.position)


def _in_native_scope(el) -> bool:
    """findUpVirtual(el, "article, aside, main, nav, section"): an ancestor is one."""
    return any(isinstance(a.tag, str) and a.tag in _NATIVE_SCOPE_FILTER for a in el.iterancestors())


def _has_body_context(el) -> bool:
    """axe lib/rules/landmark-has-body-context-matches.js."""
    return el.get("role") is not None or not _in_native_scope(el)


@cache
def _landmark_roles() -> frozenset[str]:
    """axe's getAriaRolesByType('landmark')."""
    return frozenset(r for r, spec in aria.aria_roles().items() if spec.get("type") == "landmark")


# -- deprecated elements ----------------------------------------------------------------


@axe_rule("blink")
def blink(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/blink.json: selector "blink", excludeHidden false, none: is-on-screen
    (lib/checks/visibility/is-on-screen: isVisibleOnScreen; statically, not hidden
    for everyone)."""
    for el in page.elements("blink"):
        if el not in page.hidden_for_everyone:
            yield Issue("A <blink> element makes its content flash; remove it.", element=el)


@axe_rule("marquee")
def marquee(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/marquee.json: selector "marquee", excludeHidden false, none:
    is-on-screen (statically, not hidden for everyone)."""
    for el in page.elements("marquee"):
        if el not in page.hidden_for_everyone:
            yield Issue(
                "A <marquee> element scrolls its content and cannot be paused; remove it.",
                element=el,
            )


@axe_rule("server-side-image-map")
def server_side_image_map(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/server-side-image-map.json: selector "img[ismap]" (hidden excluded),
    none: exists, whose evaluate returns undefined: axe never fails it, it asks for
    review (a server-side map is fine when its links also exist as text)."""
    for img in page.elements("img"):
        if img.get("ismap") is not None and not page.is_hidden(img):
            yield Issue(
                "This image is a server-side image map (ismap): keyboard and screen reader "
                "users cannot reach its links unless they also exist as text; prefer a "
                "client-side <map> with <area> links.",
                element=img,
                needs_review=True,
            )


# -- meta -------------------------------------------------------------------------------

_REFRESH_SEPARATOR = re.compile(r"[;,\s]")
_REDIRECT_NUMBER = re.compile(r"^[0-9.]+$")
_META_REFRESH_MAX_DELAY = 72000  # lib/checks/navigation/meta-refresh.json options


def _refresh_delays(page: PageContext) -> Iterator[tuple]:
    """Selector 'meta[http-equiv="refresh"][content]' (the value compared
    case-sensitively: axe matches selectors on its virtual tree, so "Refresh" is not
    selected, as axe in Chromium confirms) and the parsing of meta-refresh-evaluate.js:
    (meta, first token, delay) when the first token of content is a number; the
    delay is parseFloat's, NaN (which fails every comparison, as in JS) for ".".
    """
    for meta in page.elements("meta"):
        content = meta.get("content")
        if meta.get("http-equiv") != "refresh" or content is None:
            continue
        token = _REFRESH_SEPARATOR.split(content.strip())[0]
        if not _REDIRECT_NUMBER.match(token):
            continue
        delay = _js_parse_float(token)
        yield meta, token, float("nan") if delay is None else delay


def _refresh_issue(meta, token: str) -> Issue:
    return Issue(
        f"<meta http-equiv=\"refresh\"> reloads or redirects the page after {token} "
        "seconds; users cannot stop or extend that delay.",
        element=meta,
    )


@axe_rule("meta-refresh")
def meta_refresh(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/meta-refresh.json: selector 'meta[http-equiv="refresh"][content]',
    excludeHidden false, check lib/checks/navigation/meta-refresh-evaluate.js with
    minDelay 0, maxDelay 72000: fails when the first token of content is a number
    and neither delay <= 0 nor delay > 72000."""
    for meta, token, delay in _refresh_delays(page):
        if not (delay <= 0 or delay > _META_REFRESH_MAX_DELAY):
            yield _refresh_issue(meta, token)


@axe_rule("meta-refresh-no-exceptions")
def meta_refresh_no_exceptions(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/meta-refresh-no-exceptions.json (off by default in axe): the same
    selector and check as meta-refresh with minDelay 72000 and no maxDelay: fails
    unless delay <= 72000, so only a refresh after more than 20 hours (or an
    unparsable number such as ".") fails."""
    for meta, token, delay in _refresh_delays(page):
        if not delay <= _META_REFRESH_MAX_DELAY:
            yield _refresh_issue(meta, token)


_USER_SCALABLE_ALLOWED = ("yes", "device-width", "device-height")
_MAXIMUM_SCALE_ALLOWED = ("device-width", "device-height")


def viewport_scale_problem(
    content: str, *, scale_minimum: float = 2, lower_bound: float | None = None
) -> str | None:
    """axe 4.14 lib/checks/mobile/meta-viewport-scale-evaluate.js: the offending
    "property=value" (e.g. "user-scalable=no", "maximum-scale=1.5"), or None.

    Items split on ; and , (lower-cased); user-scalable fails for a word other than
    yes/device-width/device-height or a number in (-1, 1); a negative maximum-scale
    is ignored; maximum-scale fails for a word other than device-width/device-height
    or a number below `scale_minimum`. With `lower_bound` (meta-viewport-large)
    user-scalable is not judged and maximum-scale below the bound is left to
    meta-viewport."""
    for item in re.split(r"[;,]", (content or "").lower()):
        parts = [part.strip() for part in item.split("=")]
        key, value = parts[0], parts[1] if len(parts) > 1 else ""
        if not key or not value:
            continue
        number = _js_parse_float(value)
        if key == "user-scalable":
            if lower_bound:
                continue
            bad_word = number is None and value not in _USER_SCALABLE_ALLOWED
            if bad_word or (number is not None and -1 < number < 1):
                return f"user-scalable={value}"
        if key == "maximum-scale":
            if number is not None and number < 0:
                continue
            bad_word = number is None and value not in _MAXIMUM_SCALE_ALLOWED
            if lower_bound and (bad_word or (number is not None and number < lower_bound)):
                continue
            if bad_word or (number is not None and number < scale_minimum):
                return f"maximum-scale={value}"
    return None


def _viewports(page: PageContext) -> Iterator:
    """Selector 'meta[name="viewport"]' (case-sensitive value), excludeHidden false."""
    return (meta for meta in page.elements("meta") if meta.get("name") == "viewport")


@axe_rule("meta-viewport")
def meta_viewport(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/meta-viewport.json: check meta-viewport (scaleMinimum 2)."""
    for meta in _viewports(page):
        problem = viewport_scale_problem(meta.get("content") or "")
        if problem:
            yield Issue(
                f"The viewport sets {problem}, which stops users zooming to 200%.",
                element=meta,
            )


@axe_rule("meta-viewport-large")
def meta_viewport_large(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/meta-viewport-large.json: selector 'meta[name="viewport"]',
    excludeHidden false, check meta-viewport-large (meta-viewport-scale-evaluate with
    scaleMinimum 5, lowerBound 2): fails when 2 <= maximum-scale < 5."""
    for meta in _viewports(page):
        content = meta.get("content") or ""
        if viewport_scale_problem(content, scale_minimum=5, lower_bound=2):
            yield Issue(
                f'The viewport content "{content.strip()}" sets a maximum-scale below 5, '
                "so users cannot zoom to 500%.",
                element=meta,
            )


# -- page-level: headings and main ------------------------------------------------------


def _is_level_one_heading(el) -> bool:
    """page-has-heading-one's selector: h1:not([role]):not([aria-level]),
    :is(h1..h6):not([role])[aria-level="1"], [role=heading][aria-level="1"]."""
    level = el.get("aria-level")
    if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6") and el.get("role") is None:
        return level == "1" or (el.tag == "h1" and level is None)
    return _role_attr_is(el, "heading") and level == "1"


@axe_rule("page-has-heading-one")
def page_has_heading_one(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/page-has-heading-one.json: selector "html", matches
    is-initiator-matches, check page-has-heading-one (has-descendant-evaluate: some
    element of the selector is visible to screen readers; passForModal: a page with an
    open modal passes)."""
    candidates = page.elements("h1", "h2", "h3", "h4", "h5", "h6") + page.with_role("heading")
    if page.modal_open or any(_is_level_one_heading(el) and not page.is_hidden(el)
                              for el in candidates):
        return
    yield Issue(
        "The page has no level-one heading (an <h1> or role=\"heading\" with "
        "aria-level=\"1\") exposed to assistive technology."
    )


@axe_rule("landmark-one-main")
def landmark_one_main(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/landmark-one-main.json: selector "html", matches is-initiator-matches,
    all: page-has-main (has-descendant-evaluate, selector "main:not([role]), [role='main']",
    visible to screen readers; passForModal: a page with an open modal passes)."""
    if page.modal_open or any(not page.is_hidden(el)
                              for el in _landmark_candidates(page, "main", "main")):
        return
    yield Issue(
        'The page has no main landmark (a <main> or role="main") exposed to assistive '
        "technology."
    )


# -- duplicate landmarks ------------------------------------------------------------------


def _no_duplicate(page: PageContext, tag: str, role: str, *, by_role: bool) -> Iterator[Issue]:
    """axe lib/checks/keyboard/page-no-duplicate-evaluate.js (+ page-no-duplicate-after):
    the elements of the selector visible to screen readers (with options.role: only
    those whose getRole is that role) are the landmarks; only the first element the
    rule tests carries the result (later ones are "ignored"), failing when there are
    more than one landmark."""
    tested = [el for el in _landmark_candidates(page, tag, role) if not page.is_hidden(el)]
    landmarks = [el for el in tested if not by_role or page.role(el) == role]
    if len(landmarks) <= 1:
        return
    names = ", ".join(f"<{el.tag}>" for el in landmarks[:5])
    yield Issue(
        f"The page has {len(landmarks)} {role} landmarks ({names}); it should have at most one.",
        element=tested[0],
    )


@axe_rule("landmark-no-duplicate-banner")
def landmark_no_duplicate_banner(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/landmark-no-duplicate-banner.json: selector "header:not([role]),
    [role=banner]", any: page-no-duplicate-banner (options: the same selector, role
    "banner", so a <header> inside article/aside/main/nav/section does not count)."""
    yield from _no_duplicate(page, "header", "banner", by_role=True)


@axe_rule("landmark-no-duplicate-contentinfo")
def landmark_no_duplicate_contentinfo(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/landmark-no-duplicate-contentinfo.json: selector "footer:not([role]),
    [role=contentinfo]", any: page-no-duplicate-contentinfo (options: the same selector,
    role "contentinfo")."""
    yield from _no_duplicate(page, "footer", "contentinfo", by_role=True)


@axe_rule("landmark-no-duplicate-main")
def landmark_no_duplicate_main(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/landmark-no-duplicate-main.json: selector "main:not([role]),
    [role=main]", any: page-no-duplicate-main (selector "main:not([role]), [role='main']",
    no role filter)."""
    yield from _no_duplicate(page, "main", "main", by_role=False)


# -- top-level landmarks ------------------------------------------------------------------


def _enclosing_landmark(page: PageContext, el, node_role: str | None):
    """axe lib/checks/keyboard/landmark-is-top-level-evaluate.js: the first ancestor whose
    getExplicitRole (or, except for <form>, implicit role) is a landmark role; a main
    ancestor is allowed around a complementary landmark (axe-core issue 2651)."""
    landmarks = _landmark_roles()
    for parent in el.iterancestors():
        if not isinstance(parent.tag, str):
            continue
        role = aria.explicit_role(parent)
        if not role and parent.tag != "form":
            role = aria.implicit_role(parent, page.by_id)
        if role and role in landmarks and not (role == "main" and node_role == "complementary"):
            return parent, role
    return None


def _top_level(page: PageContext, tag: str, role: str, *, scoped: bool) -> Iterator[Issue]:
    for el in _landmark_candidates(page, tag, role):
        if page.is_hidden(el) or (scoped and not _has_body_context(el)):
            continue
        found = _enclosing_landmark(page, el, page.role(el))
        if found is not None:
            parent, parent_role = found
            yield Issue(
                f"This {role} landmark is inside a {parent_role} landmark (<{parent.tag}>); "
                "it should be at the top level of the page.",
                element=el,
            )


@axe_rule("landmark-banner-is-top-level")
def landmark_banner_is_top_level(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/landmark-banner-is-top-level.json: selector "header:not([role]),
    [role=banner]", matches landmark-has-body-context-matches, any: landmark-is-top-level."""
    yield from _top_level(page, "header", "banner", scoped=True)


@axe_rule("landmark-contentinfo-is-top-level")
def landmark_contentinfo_is_top_level(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/landmark-contentinfo-is-top-level.json: selector "footer:not([role]),
    [role=contentinfo]", matches landmark-has-body-context-matches, any:
    landmark-is-top-level."""
    yield from _top_level(page, "footer", "contentinfo", scoped=True)


@axe_rule("landmark-main-is-top-level")
def landmark_main_is_top_level(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/landmark-main-is-top-level.json: selector "main:not([role]),
    [role=main]", any: landmark-is-top-level."""
    yield from _top_level(page, "main", "main", scoped=False)


@axe_rule("landmark-complementary-is-top-level")
def landmark_complementary_is_top_level(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/landmark-complementary-is-top-level.json: selector
    "aside:not([role]), [role=complementary]", any: landmark-is-top-level (a main
    ancestor is allowed)."""
    yield from _top_level(page, "aside", "complementary", scoped=False)


# -- language -----------------------------------------------------------------------------


@axe_rule("html-xml-lang-mismatch")
def html_xml_lang_mismatch(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/html-xml-lang-mismatch.json: selector "html[lang][xml\\:lang]",
    matches xml-lang-mismatch-matches (both base languages valid), all:
    xml-lang-mismatch (lib/checks/language/xml-lang-mismatch-evaluate.js: the base
    languages are equal)."""
    root = page.tree
    lang, xml_lang = root.get("lang"), root.get("xml:lang")
    if root.tag != "html" or lang is None or xml_lang is None:
        return
    base, xml_base = get_base_lang(lang), get_base_lang(xml_lang)
    if not (is_valid_base_lang(base) and is_valid_base_lang(xml_base)):
        return
    if base != xml_base:
        yield Issue(
            f'lang="{lang}" and xml:lang="{xml_lang}" name different base languages '
            f'("{base}" and "{xml_base}").',
            element=root,
        )


def _visual_name(page: PageContext, el) -> str:
    """Static stand-in for axe's accessibleTextVirtual on visual content: ARIA name,
    then alt / value / <title> / contents, then title."""
    name = page.aria_name(el)
    kind = aria.input_type(el) if el.tag == "input" else ""
    if not name and (el.tag in ("img", "area") or kind == "image"):
        name = (el.get("alt") or "").strip()
    if not name and kind in ("button", "submit", "reset"):
        name = (el.get("value") or "").strip() or ("" if kind == "button" else kind)
    if not name and el.tag == "svg":
        title = next((c for c in el if c.tag == "title"), None)
        name = page.content_text(title) if title is not None else ""
    if not name and el.tag == "button":
        name = page.content_text(el)
    return name or (el.get("title") or "").strip()


def has_lang_text(page: PageContext, el) -> bool:
    """axe lib/commons/dom/has-lang-text.js: own text, a name on visual content, or a
    child without its own lang (and not hidden for everyone) that has either."""
    if dom.has_child_text(el):
        return True
    if dom.is_visual_content(el):
        return bool(_visual_name(page, el))
    return any(
        isinstance(child.tag, str)
        and not child.get("lang")
        and child not in page.hidden_for_everyone
        and has_lang_text(page, child)
        for child in el
    )


@axe_rule("valid-lang")
def valid_lang(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/valid-lang.json: selector "[lang]:not(html), [xml\\:lang]:not(html)"
    (hidden excluded), none: valid-lang (lib/checks/language/valid-lang-evaluate.js:
    lang / xml:lang whose base language is unregistered or that is whitespace only,
    on an element with text in that language, lib/commons/dom/has-lang-text.js)."""
    for el in page.elements():
        if el.tag == "html" or (el.get("lang") is None and el.get("xml:lang") is None):
            continue
        if page.is_hidden(el):
            continue
        invalid = invalid_lang_attrs(el)
        if invalid and has_lang_text(page, el):
            yield Issue(
                f"{' and '.join(invalid)} does not start with a registered language subtag.",
                element=el,
            )


# -- lists ----------------------------------------------------------------------------------


@axe_rule("listitem")
def listitem(page: PageContext) -> Iterator[Issue]:
    """axe 4.14 lib/rules/listitem.json: selector "li", matches no-role-matches (no or
    empty role), hidden excluded, any: listitem (lib/checks/lists/listitem-evaluate.js:
    the parent's getRole, implicit included, must be list, presentation or none; a
    subclass of list such as the deprecated directory does not count)."""
    for li in page.elements("li"):
        if li.get("role") or page.is_hidden(li):
            continue
        parent = li.getparent()
        if parent is None or page.role(parent) in ("presentation", "none", "list"):
            continue
        parent_role = aria.explicit_role(parent)
        if parent_role:
            yield Issue(
                f'This <li> is inside <{parent.tag} role="{parent_role}">; its parent must '
                'be a list (<ul>, <ol>, <menu> or role="list").',
                element=li,
            )
        else:
            yield Issue(
                f"This <li> is inside <{parent.tag}>; it must be a direct child of <ul>, "
                '<ol>, <menu> or an element with role="list".',
                element=li,
            )


def _explicit_parent_role(page: PageContext, el) -> str | None:
    """getRole(parent, { noImplicit: true }): the explicit role, conflicts resolved."""
    return page.role(el) if aria.explicit_role(el) else None


@axe_rule("dlitem")
def dlitem(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/dlitem.json: selector "dd, dt" without a role, hidden excluded,
    any: dlitem (lib/checks/lists/dlitem-evaluate.js: the parent, or the grandparent
    through a <div> without a role or with presentation/none, must be a <dl> with no
    explicit role or role="list")."""
    for item in page.elements("dt", "dd"):
        if item.get("role") or page.is_hidden(item):
            continue
        parent = item.getparent()
        if parent is None:
            continue
        parent_role = _explicit_parent_role(page, parent)
        if parent.tag == "div" and parent_role in ("presentation", "none", None):
            grand = parent.getparent()
            if grand is not None:
                parent, parent_role = grand, _explicit_parent_role(page, grand)
        if parent.tag == "dl" and parent_role in (None, "list"):
            continue
        where = f'<{parent.tag} role="{parent_role}">' if parent_role else f"<{parent.tag}>"
        yield Issue(
            f"This <{item.tag}> is inside {where}; it must be in a <dl> (directly or "
            "through a <div>) that has no other role.",
            element=item,
        )


# -- lists: what ul, ol and dl contain ------------------------------------------------
# JavaScript's String.prototype.trim whitespace (Python's strip misses U+FEFF and adds
# the \x1c-\x1f separators).
_JS_WHITESPACE = " \t\n\v\f\r\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007" \
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def _invalid_child(page: PageContext, node, valid_roles: tuple[str, ...],
                   valid_tags: tuple[str, ...], *, nested: bool = False) -> str | None:
    """axe lib/checks/lists/invalid-children-evaluate.js getInvalidSelector: what a
    child is when the list may not contain it ("#text", "div", "[role=button]")."""
    prefix = "div > " if nested else ""
    if isinstance(node, str):
        return prefix + "#text" if node.strip(_JS_WHITESPACE) else None
    if page.is_hidden(node):
        return None
    explicit = aria.explicit_role(node)
    if explicit:
        return None if explicit in valid_roles else f"{prefix}[role={page.role(node)}]"
    if node.tag in valid_tags or page.role(node) in valid_roles:
        return None
    return prefix + node.tag


def _invalid_children(page: PageContext, el, valid_roles: tuple[str, ...],
                      valid_tags: tuple[str, ...], *, div_groups: bool = False) -> list[str]:
    """invalid-children-evaluate: the distinct offending kinds among the children
    (with divGroups, a <div> without an explicit role is looked through once)."""
    queue = [(node, False) for node in dom.child_nodes(el)]
    issues: list[str] = []
    while queue:
        node, nested = queue.pop(0)
        if div_groups and not nested and not isinstance(node, str) and node.tag == "div" \
                and aria.explicit_role(node) is None:
            queue.extend((child, True) for child in dom.child_nodes(node))
            continue
        issue = _invalid_child(page, node, valid_roles, valid_tags, nested=nested)
        if issue and issue not in issues:
            issues.append(issue)
    return issues


@axe_rule("list")
def list_rule(page: PageContext) -> Iterator[Issue]:
    """axe 4.14 lib/rules/list.json: selector "ul, ol", matches no-role-matches (no or
    empty role), hidden excluded, none: only-listitems (invalid-children-evaluate with
    validRoles listitem, validNodeNames li): a non-blank text child, or a child
    visible to assistive technology that is neither an <li> without a role nor an
    element whose explicit role is listitem, fails (script, template and other
    unrendered children do not count)."""
    for el in page.elements("ul", "ol"):
        if el.get("role") or page.is_hidden(el):
            continue
        issues = _invalid_children(page, el, ("listitem",), ("li",))
        if issues:
            yield Issue(
                f"This <{el.tag}> contains {', '.join(issues)}; a list may only directly "
                "contain <li> elements (and script or template).",
                element=el,
            )


def _unstructured_dl(el) -> bool:
    """axe lib/checks/lists/structured-dlitems-evaluate.js: the direct <dt>/<dd>
    children do not have a <dd> after a <dt> (a <dt> alone, or only <dd>s)."""
    has_dt = has_dd = False
    for child in el:
        if child.tag == "dt":
            has_dt = True
        elif child.tag == "dd":
            if has_dt:
                return False
            has_dd = True
    return has_dt or has_dd


@axe_rule("definition-list")
def definition_list(page: PageContext) -> Iterator[Issue]:
    """axe 4.14 lib/rules/definition-list.json: selector "dl", matches no-role-matches,
    hidden excluded, none: structured-dlitems (a <dt> must be followed by a <dd>) and
    only-dlitems (invalid-children-evaluate with validRoles definition, term, listitem,
    validNodeNames dt, dd, divGroups: a <div> without an explicit role is looked
    through once)."""
    for el in page.elements("dl"):
        if el.get("role") or page.is_hidden(el):
            continue
        issues = _invalid_children(page, el, ("definition", "term", "listitem"), ("dt", "dd"),
                                   div_groups=True)
        if issues:
            yield Issue(
                f"This <dl> contains {', '.join(issues)}; a definition list may only "
                "contain <dt> and <dd> groups, optionally wrapped in <div>s (and script "
                "or template).",
                element=el,
            )
        elif _unstructured_dl(el):
            yield Issue(
                "This <dl> has a <dt> without a following <dd>, or <dd>s without a <dt>.",
                element=el,
            )
