"""Page-level navigation rules: bypass blocks, content in landmarks, unique landmarks.

axe-core 4.14's bypass, region and landmark-unique, on the static tree. Each rule
names the sources it follows. "Visible to screen readers" is the page's hidden
set (hidden attribute, aria-hidden, inline and simple-stylesheet display:none).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from apps.analyses.analyzers import aria, dom
from apps.analyses.analyzers.aria_rules import has_content
from apps.analyses.analyzers.axe import axe_rule
from apps.analyses.analyzers.base import Issue, PageContext

_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@cache
def landmark_roles() -> frozenset[str]:
    """axe's getAriaRolesByType('landmark')."""
    return frozenset(r for r, spec in aria.aria_roles().items() if spec.get("type") == "landmark")


# -- bypass -------------------------------------------------------------------------------


def _visible(page: PageContext, el: etree._Element) -> bool:
    return not page.is_hidden(el)


@axe_rule("bypass")
def bypass(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/bypass.json: page level, only when the page has a link
    (bypass-matches), reviewOnFail; any of internal-link-present (an a[href] to
    "#x"), header-present (a visible h1-h6 without role or role=heading) and landmark
    (a visible main or role=main). Failing means "for review", as in axe."""
    links = page.elements("a")
    if not any(a.get("href") is not None for a in links):
        return
    if any(re.match(r"^#[^/!]", a.get("href") or "") for a in links):
        return
    headings = [el for el in page.elements(*_HEADING_TAGS) if el.get("role") is None]
    headings += [el for el in page.elements() if el.get("role") == "heading"]
    if any(_visible(page, el) for el in headings):
        return
    mains = [el for el in page.elements("main")] + [
        el for el in page.elements() if el.get("role") == "main"
    ]
    if any(_visible(page, el) for el in mains):
        return
    yield Issue(
        "The page has links but no skip link, heading or main landmark, so keyboard "
        "users cannot skip repeated blocks.",
        needs_review=True,
    )


# -- region -------------------------------------------------------------------------------

_LIVE_ROLES = ("alert", "log", "status")
_FRAMES = ("iframe", "frame")


def is_current_page_link(page: PageContext, el: etree._Element) -> bool:
    """axe's isCurrentPageLink: "#x", "/#x", or an href that resolves to this page's
    origin and path (the fragment router forms "#!x" and "#/x" do not count)."""
    href = el.get("href")
    if not href or href == "#":
        return False
    if href.startswith("/#"):
        return True
    target = urlsplit(urljoin(page.document.base_url, href))
    if re.match(r"^#[!/]", f"#{target.fragment}" if target.fragment else ""):
        return False
    if href.startswith("#"):
        return True
    here = urlsplit(page.final_url)
    return (target.scheme, target.netloc, target.path or "/") == (
        here.scheme, here.netloc, here.path or "/"
    )


def _first_page_link(page: PageContext) -> etree._Element | None:
    """axe's generateFirstPageLink: the first a[href] (not javascript:) that does not
    point into this page."""
    for a in page.elements("a"):
        href = a.get("href")
        if href is not None and not href.startswith("javascript:") and \
                not is_current_page_link(page, a):
            return a
    return None


def _skip_link_target(page: PageContext, el: etree._Element, first_link) -> bool:
    """isSkipLink and getElementByReference(el, 'href'): an in-page link placed before
    the first real link, whose target exists (by id, else by name)."""
    if el.tag not in ("a", "area") or el.get("href") is None:
        return False
    if first_link is not None and page.position(el) >= page.position(first_link):
        return False
    return href_target(page, el) is not None


def href_target(page: PageContext, el: etree._Element) -> etree._Element | None:
    """axe's getElementByReference(el, 'href'): for a current-page link, the element
    with the fragment as id, else the first with it as name."""
    href = el.get("href")
    if not href or not is_current_page_link(page, el):
        return None
    fragment = unquote(href[href.index("#") + 1:]) if "#" in href else href
    if fragment in page.by_id:
        return page.by_id[fragment]
    return next((e for e in page.elements() if e.get("name") == fragment), None)


def _is_region(page: PageContext, el: etree._Element) -> bool:
    """axe's isRegion with the rule's regionMatcher (dialog, [role=dialog],
    [role=alertdialog], svg)."""
    role = page.role(el)
    if aria.aria_value(el, "aria-live") in ("assertive", "polite") or role in _LIVE_ROLES:
        return True
    if role in landmark_roles():
        return True
    return el.tag in ("dialog", "svg") or el.get("role") in ("dialog", "alertdialog")


def regionless(page: PageContext) -> list[etree._Element]:
    """axe's getRegionlessNodes: the outermost elements with content outside every
    landmark (climbing while the parent holds no region and is not <body>)."""
    in_region: set[etree._Element] = set()
    found: list[etree._Element] = []
    first_link = _first_page_link(page)
    stack = [page.tree]
    while stack:
        el = stack.pop()
        if (page.role(el) == "button" or _is_region(page, el) or el.tag in _FRAMES
                or _skip_link_target(page, el, first_link) or page.is_hidden(el)):
            in_region.add(el)
            in_region.update(el.iterancestors())
            continue
        shallow = page.role(el) in ("none", "presentation") and not dom.has_child_text(el)
        if el.tag != "body" and has_content(page, el, ignore_aria=False, recurse=False) and not shallow:
            found.append(el)
            continue
        stack.extend(reversed([c for c in el if isinstance(c.tag, str)]))
    out: list[etree._Element] = []
    for el in found:
        parent = el.getparent()
        while parent is not None and parent not in in_region and parent.tag != "body":
            el, parent = parent, parent.getparent()
        if el not in out:
            out.append(el)
    return out


@axe_rule("region")
def region(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/region.json: selector "body *"; check region (lib/checks/navigation/
    region-evaluate.js): content must sit inside a landmark (or a live region,
    dialog, svg or button); skip links to an existing target are exempt. Reported on
    the outermost element outside any landmark, as axe does; frames pass."""
    for el in regionless(page):
        if el.tag in _FRAMES or el.tag in ("html", "body"):
            continue
        if any(a.tag == "body" for a in el.iterancestors()):
            yield Issue("This content is not inside a landmark (main, nav, header, footer, "
                        "aside or a named region).", element=el)


# -- landmark-unique ----------------------------------------------------------------------

_LANDMARK_SELECTOR_ROLES = ("banner", "complementary", "contentinfo", "main", "navigation",
                            "region", "search", "form")
_LANDMARK_SELECTOR_TAGS = ("form", "footer", "header", "aside", "main", "nav", "section")


def landmark_name(page: PageContext, el: etree._Element) -> str:
    """The accessible name of a landmark, lower-cased as landmark-is-unique compares it."""
    return page.accessible_name(el).lower()


@axe_rule("landmark-unique")
def landmark_unique(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/landmark-unique.json: landmark elements and roles, visible to
    screen readers, whose getRole is a landmark; check landmark-is-unique with its
    after step: the first of several landmarks with the same role and name fails."""
    seen: dict[tuple[str, str], etree._Element] = {}
    failed: list[etree._Element] = []
    for el in page.elements():
        if not (el.tag in _LANDMARK_SELECTOR_TAGS or el.get("role") in _LANDMARK_SELECTOR_ROLES):
            continue
        role = page.role(el)
        if role not in landmark_roles() or page.is_hidden(el):
            continue
        key = (role, landmark_name(page, el))
        first = seen.setdefault(key, el)
        if first is not el and first not in failed:
            failed.append(first)
    for el in failed:
        role, name = page.role(el), landmark_name(page, el)
        label = f' named "{name}"' if name else " without a name"
        yield Issue(f"Several {role} landmarks{label}: give each a distinct accessible name.",
                    element=el)


# -- identical-links-same-purpose -----------------------------------------------------------

_PUNCTUATION = re.compile(
    "[\u2000-\u206f\u2e00-\u2e7f\u3000-\u3004\u3008-\u3020\u3030\u3036-\u3037\u303d-\u303f"
    "\u30fb\ufe10-\ufe1f\ufe30-\ufe4f\ufe50-\ufe6f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40"
    "\uff5b-\uff65\\\\'!\"#$%&\xa3\xa2\xa5\xa7\u20ac()*+,\\-./:;<=>?@\\[\\]^_`{|}~\xb1]"
)


def _link_purpose_name(name: str) -> str:
    """axe's sanitize(removeUnicode(name, emoji, nonBmp, punctuations)).toLowerCase().
    Emoji (axe uses emoji-regex) are approximated by Unicode's symbol and format
    categories: arrows such as "→" go, as they do in axe."""
    kept = "".join(
        ch for ch in name
        if ord(ch) <= 0xFFFF and unicodedata.category(ch) not in ("So", "Sm", "Cf", "Co")
        and not 0xFE00 <= ord(ch) <= 0xFE0F
    )
    return " ".join(_PUNCTUATION.sub("", kept).split()).lower()


def url_props(page: PageContext, href: str) -> tuple | None:
    """axe's urlPropsFromAttribute: the parts of the resolved URL that decide "same
    target" (http and https alike, default ports dropped, index.* as the directory,
    query as a mapping, only a #!/ or #/ route kept from the fragment)."""
    try:
        parts = urlsplit(urljoin(page.document.base_url, href))
        port = parts.port
    except ValueError:
        return None
    scheme = {"https": "http", "ftps": "ftp"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    filename = path.split("/")[-1]
    if filename and "." in filename:
        path = path[: len(path) - len(filename)]
        filename = "" if re.search(r"index.", filename) else filename
    else:
        filename = ""
    path = path if path.endswith("/") else path + "/"
    query = {}
    for pair in parts.query.split("&") if parts.query else ():
        key, _, value = pair.partition("=")
        query[unquote(key)] = unquote(value)
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    route = fragment if re.match(r"#!?/", fragment) else ""
    port_text = "" if port in (None, 80, 443) else str(port)
    return (scheme, parts.hostname or "", port_text, path, tuple(sorted(query.items())), route,
            filename)


@axe_rule("identical-links-same-purpose")
def identical_links_same_purpose(page: PageContext) -> Iterator[Issue]:
    """axe lib/rules/identical-links-same-purpose.json (off by default in axe):
    a[href], area[href] and [role=link] with an accessible name and a link role,
    excludeHidden false; check identical-links-same-purpose with its after step: the
    first link of each name whose namesakes go elsewhere is for review (do they serve
    the same purpose?). A link without an href never matches another's target."""
    groups: dict[str, list[etree._Element]] = {}
    candidates = dict.fromkeys(page.elements("a", "area") + page.with_role("link"))
    for el in sorted(candidates, key=page.position):
        is_link_tag = el.tag in ("a", "area") and el.get("href") is not None
        if not is_link_tag and el.get("role") != "link":
            continue
        role = page.role(el)
        if role and role != "link":
            continue
        name = page.accessible_name(el)
        key = _link_purpose_name(name) if name else ""
        if key:  # a name of only symbols: the check answers undefined, the after step drops it
            groups.setdefault(key, []).append(el)
    for key, links in groups.items():
        if len(links) < 2:
            continue
        props = [url_props(page, el.get("href")) if el.get("href") is not None else None
                 for el in links]
        first = links[0]
        if props[0] is None or any(other != props[0] for other in props[1:]):
            yield Issue(
                f'{len(links)} links are named "{key}" but do not all go to the same page; '
                "check that they serve the same purpose.",
                element=first,
                needs_review=True,
            )
