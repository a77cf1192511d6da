"""SEO rules for one page, modelled on Lighthouse's SEO audits where one exists.

`document-title` and `image-alt` live in accessibility.py and count in the SEO
category as well (as in Lighthouse), so a page without a title yields one finding
that both categories see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from apps.analyses.analyzers.accessibility import is_valid_base_lang
from apps.analyses.analyzers.base import (
    MINOR,
    MODERATE,
    SEO,
    SERIOUS,
    Issue,
    PageContext,
    page_rule,
)
from apps.web.linkheader import parse_link_header

TITLE_MAX = 60
TITLE_MIN = 10
# Screaming Frog's default meta description bounds (Configuration > Preferences), characters.
DESCRIPTION_MAX = 155
DESCRIPTION_MIN = 70
# Screaming Frog's URL tab: "Over 115 Characters"; parameters beyond this many are flagged.
URL_MAX = 115
URL_MAX_PARAMETERS = 3
OPEN_GRAPH_REQUIRED = ("og:title", "og:type", "og:image", "og:url")

GOOGLE_TITLE_DOCS = "https://developers.google.com/search/docs/appearance/title-link"
GOOGLE_HEADINGS_DOCS = (
    "https://developers.google.com/search/docs/fundamentals/seo-starter-guide"
    "#use-heading-tags-to-emphasize-important-text"
)


def _lighthouse(path: str) -> str:
    return f"https://developer.chrome.com/docs/lighthouse/{path}"


def _title_element(page: PageContext) -> etree._Element | None:
    """The element HtmlDocument.title reads (first <title> in <head>, else anywhere)."""
    el = page.tree.find(".//head/title")
    return el if el is not None else page.tree.find(".//title")


@page_rule(
    id="title-too-long",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="Title is too long",
    help=f"Keep the <title> under about {TITLE_MAX} characters; search results cut longer ones.",
    help_url=GOOGLE_TITLE_DOCS,
)
def title_too_long(page: PageContext) -> Iterator[Issue]:
    title = page.document.title
    if title and len(title) > TITLE_MAX:
        yield Issue(
            f"The title is {len(title)} characters long (more than {TITLE_MAX}).",
            element=_title_element(page),
        )


@page_rule(
    id="title-too-short",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="Title is too short",
    help=f"Use a descriptive <title> of at least {TITLE_MIN} characters.",
    help_url=GOOGLE_TITLE_DOCS,
)
def title_too_short(page: PageContext) -> Iterator[Issue]:
    """An empty or missing title is document-title's job, not this rule's."""
    title = page.document.title
    if title and len(title) < TITLE_MIN:
        yield Issue(
            f'The title "{title}" is {len(title)} characters long (fewer than {TITLE_MIN}).',
            element=_title_element(page),
        )


@page_rule(
    id="meta-description",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="Document does not have a meta description",
    help='Add <meta name="description" content="..."> summarising the page for search results.',
    help_url=_lighthouse("seo/meta-description"),
)
def meta_description(page: PageContext) -> Iterator[Issue]:
    """Lighthouse core/audits/seo/meta-description.js: the first ``<meta name>`` equal
    to "description" (case-insensitive) must exist and have non-blank content."""
    content = page.document.meta("description")
    if content is None:
        yield Issue('The page has no <meta name="description">.')
    elif not content.strip():
        meta = next(
            el
            for el in page.elements("meta")
            if (el.get("name") or "").strip().lower() == "description"
        )
        yield Issue("The meta description is empty.", element=meta)


def _description(page: PageContext) -> tuple[str, etree._Element] | None:
    """The collapsed content and element of the first meta description, if non-blank."""
    for name, content, el in page.document.named_metas:
        if name == "description":
            text = " ".join(content.split())
            return (text, el) if text else None
    return None


@page_rule(
    id="meta-description-too-long",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="Meta description is too long",
    help=f"Keep the meta description to about {DESCRIPTION_MAX} characters; search results "
    "cut longer ones.",
    help_url=_lighthouse("seo/meta-description"),
)
def meta_description_too_long(page: PageContext) -> Iterator[Issue]:
    """Screaming Frog's "Meta Description: Over 155 Characters" (its default bound)."""
    found = _description(page)
    if found and len(found[0]) > DESCRIPTION_MAX:
        yield Issue(
            f"The meta description is {len(found[0])} characters long "
            f"(more than {DESCRIPTION_MAX}).",
            element=found[1],
        )


@page_rule(
    id="meta-description-too-short",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="Meta description is too short",
    help=f"Write a meta description of at least {DESCRIPTION_MIN} characters summarising "
    "the page.",
    help_url=_lighthouse("seo/meta-description"),
)
def meta_description_too_short(page: PageContext) -> Iterator[Issue]:
    """Screaming Frog's "Meta Description: Below 70 Characters"; a missing or empty
    description is meta-description's job."""
    found = _description(page)
    if found and len(found[0]) < DESCRIPTION_MIN:
        yield Issue(
            f"The meta description is {len(found[0])} characters long "
            f"(fewer than {DESCRIPTION_MIN}).",
            element=found[1],
        )


@page_rule(
    id="multiple-h1",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="Page has more than one <h1>",
    help="Use a single <h1> for the page's main topic and h2-h6 below it.",
    help_url=GOOGLE_HEADINGS_DOCS,
)
def multiple_h1(page: PageContext) -> Iterator[Issue]:
    """One finding per extra <h1>, each pointing at the element to demote."""
    h1s = page.elements("h1")
    for position, h1 in enumerate(h1s[1:], start=2):
        yield Issue(f"This is <h1> number {position} of {len(h1s)} on the page.", element=h1)


@page_rule(
    id="missing-h1",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="Page has no <h1>",
    help="Add one <h1> stating the page's main topic.",
    help_url=GOOGLE_HEADINGS_DOCS,
)
def missing_h1(page: PageContext) -> Iterator[Issue]:
    if not page.elements("h1"):
        yield Issue("The page has no <h1> element.")


@page_rule(
    id="is-crawlable",
    categories=(SEO,),
    severity=SERIOUS,
    tags=("seo",),
    title="Page is blocked from indexing",
    help="Remove noindex from the robots meta tag and the X-Robots-Tag header if the page "
    "should appear in search results.",
    help_url=_lighthouse("seo/is-crawlable"),
    requires_document=False,
)
def is_crawlable(page: PageContext) -> Iterator[Issue]:
    """Lighthouse's is-crawlable (core/audits/seo/is-crawlable.js): the page fails only
    when every crawler Lighthouse asks about (the generic one, Googlebot, bingbot,
    DuckDuckBot, archive.org_bot) is told ``noindex``/``none`` or an
    ``unavailable_after`` date that has passed. Directives come from the one parser
    in apps.web.directives (meta robots, bot-specific metas, every X-Robots-Tag
    line). Not judged: robots.txt, since the crawler never fetches a disallowed page.
    """
    if page.robots is None or page.status is None or not 200 <= page.status < 300:
        return
    now = datetime.now(UTC)
    blocking = page.robots.blocking_indexing(now)
    if not blocking:
        return
    described = [
        f'<meta name="{s.agent}" content="{s.raw}">' if s.kind == "meta"
        else f"the X-Robots-Tag header ({s.raw})"
        for s in blocking
    ]
    message = "The page is blocked from indexing by " + " and ".join(described) + "."
    meta = next((s for s in blocking if s.kind == "meta" and s.element is not None), None)
    if meta is not None:
        yield Issue(message, element=meta.element)
    else:
        yield Issue(message, snippet=f"X-Robots-Tag: {blocking[0].raw}")


@page_rule(
    id="http-status-code",
    categories=(SEO,),
    severity=SERIOUS,
    tags=("seo",),
    title="Page has an unsuccessful HTTP status code",
    help="Serve the page with a 2xx status, or fix or remove the links that lead here.",
    help_url=_lighthouse("seo/http-status-code"),
    requires_document=False,
)
def http_status_code(page: PageContext) -> Iterator[Issue]:
    if page.status is not None and page.status >= 400:
        yield Issue(f"The page returned HTTP {page.status}.")


@page_rule(
    id="redirect",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="URL redirects",
    help="Link to the final URL directly; each redirect costs a round trip.",
    help_url=_lighthouse("performance/redirects"),
    requires_document=False,
)
def redirect(page: PageContext) -> Iterator[Issue]:
    if page.redirects:
        first = page.redirects[0]
        hops = len(page.redirects)
        yield Issue(
            f"{page.url} redirects ({first.status}) to {page.final_url}"
            + (f" through {hops} redirects." if hops > 1 else ".")
        )


# Lighthouse core/audits/seo/link-text.js nonDescriptiveLinkTexts, by primary language subtag.
NON_DESCRIPTIVE_LINK_TEXTS: dict[str, frozenset[str]] = {
    "en": frozenset({
        "click here", "click this", "go", "here", "information", "learn more", "more",
        "more info", "more information", "right here", "read more", "see more", "start",
        "this",
    }),
    "ja": frozenset({
        "ここをクリック", "こちらをクリック", "リンク", "続きを読む", "続く", "全文表示",
    }),
    "es": frozenset({
        "click aquí", "click aqui", "clicka aquí", "clicka aqui", "pincha aquí",
        "pincha aqui", "aquí", "aqui", "más", "mas", "más información", "más informacion",
        "mas información", "mas informacion", "este", "enlace", "este enlace", "empezar",
    }),
    "pt": frozenset({
        "clique aqui", "ir", "mais informação", "mais informações", "mais", "veja mais",
    }),
    "ko": frozenset({
        "여기", "여기를 클릭", "클릭", "링크", "자세히", "자세히 보기", "계속", "이동", "전체 보기",
    }),
    "sv": frozenset({"här", "klicka här", "läs mer", "mer", "mer info", "mer information"}),
    "de": frozenset({
        "klicke hier", "hier klicken", "hier", "mehr", "siehe", "dies", "das", "weiterlesen",
    }),
    "ta": frozenset({
        "அடுத்த பக்கம்", "மறுபக்கம்", "முந்தைய பக்கம்", "முன்பக்கம்", "மேலும் அறிக",
        "மேலும் தகவலுக்கு", "மேலும் தரவுகளுக்கு", "தயவுசெய்து இங்கே அழுத்தவும்",
        "இங்கே கிளிக் செய்யவும்",
    }),
    "fa": frozenset({
        "اطلاعات بیشتر", "اطلاعات", "این", "اینجا بزنید", "اینجا کلیک کنید", "اینجا", "برو",
        "بیشتر بخوانید", "بیشتر بدانید", "بیشتر", "شروع",
    }),
}
_ALL_NON_DESCRIPTIVE = frozenset().union(*NON_DESCRIPTIVE_LINK_TEXTS.values())


def _closest_lang(el: etree._Element) -> str | None:
    """``el.closest('[lang]')?.getAttribute('lang')``."""
    for node in (el, *el.iterancestors()):
        if node.get("lang") is not None:
            return node.get("lang")
    return None


def _single_lang(page: PageContext) -> str | None:
    """The one lang of a document whose only lang attribute is on <html> or <body>."""
    with_lang = [el for el in page.all_elements if el.get("lang") is not None]
    if len(with_lang) == 1 and with_lang[0].tag in ("html", "body"):
        return with_lang[0].get("lang")
    return None


def _link_text_lang(single_lang: str | None, anchor: etree._Element) -> str | None:
    """The anchor-elements gatherer's textLang: the one lang of a document whose only
    lang attribute is on <html> or <body>; else the lang of the descendants that have
    text (None when their primary subtags differ), else the anchor's closest lang."""
    if single_lang is not None:
        return single_lang
    found = None
    for child in anchor.iterdescendants():
        if not isinstance(child.tag, str) or not child.text_content():
            continue
        lang = _closest_lang(child)
        if not lang:
            continue
        if found is None:
            found = lang
        elif found.split("-")[0] != lang.split("-")[0]:
            return None
    return found if found is not None else _closest_lang(anchor)


def _is_full_url(text: str) -> bool:
    """link-text.js isFullUrl: the text parses as an http(s) URL."""
    parts = urlsplit(text) if " " not in text else None
    return bool(parts and parts.scheme.lower() in ("http", "https") and parts.netloc)


def _same_page(url: str, page_url: str) -> bool:
    """UrlUtils.equalWithExcludedFragments."""
    return _url_href(url).partition("#")[0] == _url_href(page_url).partition("#")[0]


@page_rule(
    id="link-text",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="Link does not have descriptive text",
    help='Use link text that says where the link goes instead of "click here" or "read more".',
    help_url=_lighthouse("seo/link-text"),
)
def link_text(page: PageContext) -> Iterator[Issue]:
    """Lighthouse core/audits/seo/link-text.js: skips links without href, nofollow
    links, javascript: and mailto: links and links to this same page (fragments
    ignored). A link fails when its trimmed text is a full http(s) URL or, lower-cased,
    is in the blocklist of its language (the gatherer's textLang, primary subtag), or
    in any language's list when it has none. innerText is approximated by the text
    content of links not hidden from assistive tech."""
    single_lang = _single_lang(page)
    for el in page.elements("a"):
        if el.get("href") is None or "nofollow" in (el.get("rel") or "").lower():
            continue
        try:
            href = urljoin(page.document.base_url, el.get("href").strip())
            if href.lower().startswith(("javascript:", "mailto:")) or _same_page(
                href, page.final_url
            ):
                continue
        except ValueError:  # an unparsable href: the browser keeps it raw, text counts
            pass
        text = " ".join(el.text_content().split())
        if not text or page.is_hidden(el):
            continue
        lang = _link_text_lang(single_lang, el)
        if lang:
            blocklist = NON_DESCRIPTIVE_LINK_TEXTS.get(lang.split("-")[0], frozenset())
        else:
            blocklist = _ALL_NON_DESCRIPTIVE
        if _is_full_url(text):
            yield Issue(f'Link text "{text}" is a bare URL.', element=el)
        elif text.lower() in blocklist:
            yield Issue(f'Link text "{text}" does not describe its target.', element=el)


_HREF_ASSOCIATED_ATTRIBUTES = ("target", "download", "ping", "rel", "hreflang", "type",
                               "referrerpolicy")
_JAVASCRIPT_VOID = re.compile(r"javascript:void(\(|)0(\)|)")


def _unparsable_href(raw: str, base: str) -> bool:
    """``new URL(rawHref, base)`` throws: approximated for the cases urllib can tell
    (a bad port or IPv6 literal, a special scheme without a host)."""
    try:
        parts = urlsplit(urljoin(base, raw))
        parts.port  # noqa: B018 - raises on an invalid port
    except ValueError:
        return True
    return parts.scheme.lower() in ("http", "https", "ftp", "ws", "wss") and not parts.hostname


@page_rule(
    id="crawlable-anchors",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="Links are not crawlable",
    help="Give each link an href that resolves to a real destination, so search engines "
    "can follow it.",
    help_url="https://support.google.com/webmasters/answer/9112205",
)
def crawlable_anchors(page: PageContext) -> Iterator[Issue]:
    """Lighthouse core/audits/seo/crawlable-anchors.js, in its order: skip anchors with
    a role, mailto: hrefs and ``<a id>`` without href; fail file: hrefs; skip anchors
    with a name; skip placeholders (no href nor href-associated attribute, and
    aria-current page/location); fail anchors without href (``href === ''``),
    ``javascript:void(0)`` hrefs and hrefs that do not parse. (``javascript:`` with
    other code passes, as in Lighthouse.) Whitespace is removed from the raw href."""
    base = page.document.base_url
    for el in page.elements("a"):
        raw = re.sub(r"\s", "", el.get("href") or "")
        if (el.get("role") or "").strip() or raw.startswith("mailto:"):
            continue
        if raw == "" and el.get("id"):
            continue
        if raw.startswith("file:"):
            yield Issue(f'The link points to a local file ("{raw}").', element=el)
            continue
        if (el.get("name") or "").strip():
            continue
        if (
            el.get("href") is None
            and not any(el.get(a) is not None for a in _HREF_ASSOCIATED_ATTRIBUTES)
            and el.get("aria-current") in ("page", "location")
        ):
            continue
        if el.get("href") is None:
            yield Issue("The link has no href.", element=el)
        elif _JAVASCRIPT_VOID.search(raw):
            yield Issue(f'The link\'s href "{raw}" goes nowhere.', element=el)
        elif _unparsable_href(raw, base):
            yield Issue(f'The link\'s href "{raw}" is not a valid URL.', element=el)


# --- Links in <head> and the HTTP Link header (Lighthouse's LinkElements artifact) -------------


@dataclass(frozen=True)
class _LinkElement:
    """One entry of Lighthouse's LinkElements artifact (core/gather/gatherers/link-elements.js):
    a ``<link>`` in the DOM or a link of the main response's ``Link`` header."""

    rel: str  # lower-cased, not split, as the gatherer normalises it
    href_raw: str
    hreflang: str
    source: str  # "head", "body" or "headers"
    element: etree._Element | None = None


def _link_elements(page: PageContext) -> list[_LinkElement]:
    links = [
        _LinkElement(
            rel=(el.get("rel") or "").lower(),
            href_raw=el.get("href") or "",
            hreflang=el.get("hreflang") or "",
            source="head" if any(a.tag == "head" for a in el.iterancestors()) else "body",
            element=el,
        )
        for el in page.elements("link")
    ]
    header = page.headers.get("link") or page.headers.get("Link")
    for value in parse_link_header(header or ""):
        links.append(
            _LinkElement(
                rel=value.params.get("rel", "").lower(),
                href_raw=value.target,
                hreflang=value.params.get("hreflang", ""),
                source="headers",
            )
        )
    return links


def _link_issue(message: str, link: _LinkElement, header: str) -> Issue:
    if link.element is not None:
        return Issue(message, element=link.element)
    return Issue(message, snippet=header)


def _is_hreflang_code(value: str) -> bool:
    """hreflang.js isExpectedLanguageCode: "x-default", or a primary subtag that is a
    registered language (axe's validLangs, shared with html-lang-valid). Not trimmed."""
    if value.lower() == "x-default":
        return True
    return is_valid_base_lang(value.split("-")[0].lower())


@page_rule(
    id="hreflang",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="Document doesn't have a valid hreflang",
    help="Give each alternate-language link a valid language code (or x-default) and an "
    "absolute href.",
    help_url=_lighthouse("seo/hreflang"),
)
def hreflang(page: PageContext) -> Iterator[Issue]:
    """Lighthouse core/audits/seo/hreflang.js: every ``rel=alternate`` link with an
    hreflang, in ``<head>`` or the ``Link`` header (links in ``<body>`` are skipped),
    fails when its language code is unexpected or its href is not fully qualified
    (does not start with http: or https:; a missing href is reported as such).
    One finding per bad link, naming every reason."""
    for link in _link_elements(page):
        if link.rel != "alternate" or not link.hreflang or link.source == "body":
            continue
        reasons = []
        if not _is_hreflang_code(link.hreflang):
            reasons.append(f'unexpected language code "{link.hreflang}"')
        if not link.href_raw:
            reasons.append("missing href")
        elif not link.href_raw.lower().startswith(("http:", "https:")):
            reasons.append(f'relative href "{link.href_raw}"')
        if reasons:
            yield _link_issue(
                f"hreflang link: {'; '.join(reasons)}.",
                link,
                f'Link: <{link.href_raw}>; rel="alternate"; hreflang="{link.hreflang}"',
            )


def _url_href(url: str) -> str:
    """An absolute URL in the form the WHATWG URL ``href`` serialises it (roughly:
    scheme and host lower-cased, default port dropped, empty path as "/")."""
    parts = urlsplit(url)
    netloc = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != {"http": 80, "https": 443}.get(parts.scheme.lower()):
        netloc += f":{port}"
    return urlunsplit(
        (parts.scheme.lower(), netloc, parts.path or "/", parts.query, parts.fragment)
    )


_SPECIAL_SCHEMES = ("http", "https", "ftp", "ws", "wss", "file")


def _canonical_problem(href_raw: str) -> str | None:
    """canonical.js collectCanonicalURLs: ``new URL(hrefRaw)`` without a base. A URL
    without a scheme (relative) cannot be parsed, so Lighthouse reports it as
    "Invalid URL"; a URL whose origin is opaque (data:, about:, mailto:...) as "Is not
    an absolute URL". We word the first case "is relative", the verdict is the same."""
    raw = href_raw.strip()
    scheme, sep, _rest = raw.partition(":")
    if not sep or not scheme or not scheme[0].isalpha() or not all(
        c.isalnum() or c in "+-." for c in scheme
    ):
        return f"is a relative URL ({href_raw}); use an absolute URL"
    if scheme.lower() not in _SPECIAL_SCHEMES:
        return f"is not an absolute http(s) URL ({href_raw})"
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises on an invalid port
    except ValueError:
        return f"is an invalid URL ({href_raw})"
    if scheme.lower() != "file" and not parts.hostname:
        return f"is an invalid URL ({href_raw})"
    return None


@page_rule(
    id="canonical",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo",),
    title="Document does not have a valid rel=canonical",
    help="Declare one absolute canonical URL, in <head> or the Link header, pointing at "
    "the equivalent page.",
    help_url=_lighthouse("seo/canonical"),
)
def canonical(page: PageContext) -> Iterator[Issue]:
    """Lighthouse core/audits/seo/canonical.js, one finding at most, in its order:
    an invalid canonical (the last one), then a relative one, then several distinct
    canonical URLs (``<link>`` in ``<head>`` and ``Link`` header together, so a
    header disagreeing with the element conflicts), then the two common mistakes:
    pointing to another hreflang alternate of this page, or to the site root from a
    deeper page. Canonical links in ``<body>`` or without href are ignored. Not
    flagged, as in current Lighthouse: a canonical on another domain (older versions
    did). Whether the target is indexable is a site rule's job."""
    base_url = _url_href(page.final_url)
    unique: dict[str, _LinkElement] = {}
    hreflang_urls = set()
    invalid: tuple[str, _LinkElement] | None = None
    relative: tuple[str, _LinkElement] | None = None
    for link in _link_elements(page):
        if link.source == "body":
            continue
        if link.rel == "canonical" and link.href_raw:
            problem = _canonical_problem(link.href_raw)
            if problem is None:
                unique.setdefault(_url_href(urljoin(page.final_url, link.href_raw)), link)
            elif problem.startswith("is an invalid"):
                invalid = (problem, link)
            else:
                relative = (problem, link)
        elif link.rel == "alternate" and link.href_raw and link.hreflang:
            try:
                hreflang_urls.add(_url_href(urljoin(page.final_url, link.href_raw.strip())))
            except ValueError:  # unparsable: cannot be this page's URL
                continue
    for found in (invalid, relative):
        if found is not None:
            problem, link = found
            yield _link_issue(
                f"The canonical URL {problem}.", link, f'Link: <{link.href_raw}>; rel="canonical"'
            )
            return
    if len(unique) > 1:
        yield Issue(f"The page declares conflicting canonical URLs: {', '.join(unique)}.")
        return
    if not unique:
        return
    ((canonical_url, link),) = unique.items()
    header = f'Link: <{link.href_raw}>; rel="canonical"'
    target, here = urlsplit(canonical_url), urlsplit(base_url)
    if base_url in hreflang_urls and canonical_url in hreflang_urls and base_url != canonical_url:
        yield _link_issue(
            f"The canonical URL points to another hreflang alternate ({canonical_url}) "
            "instead of this page.",
            link,
            header,
        )
    elif (
        (target.scheme, target.netloc) == (here.scheme, here.netloc)
        and target.path == "/"
        and here.path != "/"
    ):
        yield _link_issue(
            "The canonical URL points to the site's root (the homepage) instead of an "
            "equivalent page of content.",
            link,
            header,
        )


# --- Social metadata, structured data, URL and mixed content -------------------------------


def _meta_properties(page: PageContext) -> dict[str, str]:
    """First non-blank content per ``<meta property>`` or ``<meta name>`` (lower-cased):
    Open Graph specifies ``property``, Twitter ``name``, and both are read either way."""
    found: dict[str, str] = {}
    for el in page.elements("meta"):
        content = (el.get("content") or "").strip()
        for key in (el.get("property"), el.get("name")):
            if key and content:
                found.setdefault(key.strip().lower(), content)
    return found


@page_rule(
    id="open-graph",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo", "social"),
    title="Page is missing Open Graph tags",
    help="Add og:title, og:type, og:image and og:url <meta property> tags so shared links "
    "show a title and image.",
    help_url="https://ogp.me/#metadata",
)
def open_graph(page: PageContext) -> Iterator[Issue]:
    """The Open Graph protocol's four required properties (https://ogp.me/#metadata);
    one page-level finding listing the missing (or empty) ones."""
    found = _meta_properties(page)
    missing = [name for name in OPEN_GRAPH_REQUIRED if name not in found]
    if missing:
        yield Issue(f"The page has no {', '.join(missing)} Open Graph tag.")


@page_rule(
    id="twitter-card",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo", "social"),
    title="Page has no Twitter card",
    help='Add <meta name="twitter:card" content="summary_large_image"> (or "summary").',
    help_url="https://developer.x.com/en/docs/x-for-websites/cards/overview/markup",
)
def twitter_card(page: PageContext) -> Iterator[Issue]:
    """X (Twitter) cards markup: ``twitter:card`` is the one required tag; without it
    no card is shown (other values fall back to Open Graph)."""
    if "twitter:card" not in _meta_properties(page):
        yield Issue('The page has no <meta name="twitter:card">.')


@page_rule(
    id="structured-data-invalid",
    categories=(SEO,),
    severity=MODERATE,
    tags=("seo", "structured-data"),
    title="Structured data does not parse",
    help="Fix the JSON syntax of the application/ld+json script; search engines ignore "
    "structured data they cannot parse.",
    help_url="https://developers.google.com/search/docs/appearance/structured-data/"
    "intro-structured-data",
)
def structured_data_invalid(page: PageContext) -> Iterator[Issue]:
    """Each ``<script type="application/ld+json">`` whose text is not JSON (Google's
    Rich Results Test reports the same as a parsing error), with the parser's message
    and the line and column inside the script."""
    for el in page.elements("script"):
        if (el.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            json.loads(el.text or "")
        except json.JSONDecodeError as error:
            yield Issue(
                f"The JSON-LD does not parse: {error.msg} (line {error.lineno}, "
                f"column {error.colno}).",
                element=el,
            )


@page_rule(
    id="url-issues",
    categories=(SEO,),
    severity=MINOR,
    tags=("seo",),
    title="URL is hard to read or share",
    help=f"Prefer short (up to {URL_MAX} characters), lower-case URLs with hyphens rather "
    f"than underscores and at most {URL_MAX_PARAMETERS} query parameters.",
    help_url="https://developers.google.com/search/docs/crawling-indexing/url-structure",
    requires_document=False,
)
def url_issues(page: PageContext) -> Iterator[Issue]:
    """Screaming Frog's URL tab filters, on the final URL: "Over 115 Characters",
    "Uppercase" (in the path), "Underscores" (in the path) and parameters (here more
    than three). One page-level finding per problem."""
    url = page.final_url
    parts = urlsplit(url)
    if len(url) > URL_MAX:
        yield Issue(f"The URL is {len(url)} characters long (more than {URL_MAX}).")
    if parts.path != parts.path.lower():
        yield Issue(f"The URL path {parts.path} contains upper-case letters.")
    if "_" in parts.path:
        yield Issue(f"The URL path {parts.path} contains underscores; use hyphens.")
    parameters = [p for p in parts.query.split("&") if p]
    if len(parameters) > URL_MAX_PARAMETERS:
        yield Issue(
            f"The URL has {len(parameters)} query parameters (more than {URL_MAX_PARAMETERS})."
        )


# element -> attribute holding the subresource; "active" content is blocked by browsers.
_SUBRESOURCES = {
    "img": ("src", MODERATE), "video": ("src", MODERATE), "audio": ("src", MODERATE),
    "source": ("src", MODERATE), "script": ("src", SERIOUS), "iframe": ("src", SERIOUS),
}


def _subresource(el: etree._Element) -> tuple[str | None, str]:
    if el.tag == "link":
        rels = (el.get("rel") or "").lower().split()
        return (el.get("href") if "stylesheet" in rels else None), SERIOUS
    attr, severity = _SUBRESOURCES[el.tag]
    return el.get(attr), severity


@page_rule(
    id="mixed-content",
    categories=(SEO,),
    severity=SERIOUS,
    tags=("seo", "security"),
    title="HTTPS page loads resources over HTTP",
    help="Load every image, script, stylesheet, frame and media file over https://.",
    help_url="https://developer.mozilla.org/en-US/docs/Web/Security/Mixed_content",
)
def mixed_content(page: PageContext) -> Iterator[Issue]:
    """Mixed content (W3C Mixed Content, MDN): on an https page, each img, script,
    link rel=stylesheet, iframe, video, audio or source whose URL (resolved against the
    base URL) is http://. Scripts, stylesheets and frames are blocked by browsers
    (serious); media are upgraded or shown with a warning (moderate)."""
    if urlsplit(page.final_url).scheme.lower() != "https":
        return
    base = page.document.base_url
    for el in page.elements("link", *_SUBRESOURCES):
        value, severity = _subresource(el)
        if not value or not value.strip():
            continue
        try:
            url = urljoin(base, value.strip())
        except ValueError:
            continue
        if urlsplit(url).scheme.lower() == "http":
            yield Issue(
                f"<{el.tag}> loads {url} over HTTP on an HTTPS page.",
                element=el,
                severity=severity,
            )
