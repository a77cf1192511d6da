"""A small, deterministic local website with KNOWN defects on KNOWN pages.

Used by the crawler, analyzer and end-to-end tests. Serve it with::

    with TestSite() as site:
        crawl(site.url)           # "http://127.0.0.1:<port>"
        assert "/private/" not in site.paths

`DEFECTS` maps every path the site serves (robots.txt and sitemap.xml aside) to the rule ids that page violates
(empty set = clean for every rule id in `RULE_IDS`). It describes each *response*;
a crawl does not necessarily report every path as a page of its own:

* `/older` is the middle of the `/old` -> `/older` -> `/new` chain: a crawler that
  follows `/old` reports the chain on `/old` (whose final URL is `/new`);
* `/private/` and `/private/secret` are disallowed by robots.txt (never fetched);
* `/orphan` is linked from nowhere, only listed in `/sitemap.xml`;
* `/nofollow-target` is linked only from a `<meta name=robots content=nofollow>` page;
* `/calendar` stands for every `/calendar?month=N` (an endless trap, N+1 forever).

Conventions the analyzers can rely on (so "clean" is unambiguous):

* clean pages have `lang="en"`, one non-empty `<h1>` then `<h2>`s only, a title of
  30-60 characters unique across the site, a unique meta description of 70-160
  characters, `<meta name="viewport" content="width=device-width, initial-scale=1">`,
  descriptive link texts, alt text on every image, and every form control labelled;
* `broken-link` is carried by the page that *links* to a 4xx/5xx URL
  (`/broken-links` links to `/missing` (404) and `/error` (500)); the targets
  carry `http-status-code`;
* `redirect` is carried by a URL that answers 3xx, `redirect-chain` by one whose
  chain has 2+ hops; linking to a redirect is not a defect of the linking page;
* `/empty-link` has `<a href="/about"></a>`: `link-name` only (`link-text` is for
  generic texts like "click here" / "read more", which `/click-here` has);
* `/no-title` has no `<title>` at all: `document-title` only;
* `/private/*` is never requested, but is clean should anything fetch it;
* every page here is short: `SHORT_PAGE_RULES` (thin content) fire on nearly all of
  them and are left out of `DEFECTS`; the content test site (tests/support/shop.py)
  checks them on pages written for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

#: Rules about the length of the main content, which this site's short pages all trip.
SHORT_PAGE_RULES = frozenset({"thin-content"})

RULE_IDS = frozenset(
    {
        "image-alt",
        "html-has-lang",
        "html-lang-valid",
        "document-title",
        "title-too-long",
        "title-too-short",
        "meta-description",
        "multiple-h1",
        "missing-h1",
        "is-crawlable",
        "http-status-code",
        "redirect",
        "redirect-chain",
        "broken-link",
        "duplicate-title",
        "link-text",
        "label",
        "button-name",
        "link-name",
        "duplicate-id",
        "heading-order",
        "empty-heading",
        "meta-viewport",
    }
)

DEFECTS: dict[str, frozenset[str]] = {
    "/": frozenset(),
    "/about": frozenset(),
    "/about/team": frozenset(),
    "/contact": frozenset(),
    "/orphan": frozenset({"orphan-page"}),  # only the sitemap lists it
    "/new": frozenset(),
    "/nofollow": frozenset(),
    "/nofollow-target": frozenset(),
    "/latin1": frozenset(),
    "/windows-1252": frozenset(),
    "/calendar": frozenset({"deep-page"}),  # the trap is followed to max_depth
    "/private/": frozenset(),
    "/private/secret": frozenset(),
    "/report.pdf": frozenset(),
    "/logo.png": frozenset(),
    "/old": frozenset({"redirect", "redirect-chain"}),
    "/older": frozenset({"redirect"}),
    "/missing": frozenset({"http-status-code"}),
    "/error": frozenset({"http-status-code"}),
    "/broken-links": frozenset({"broken-link"}),
    "/image-alt": frozenset({"image-alt"}),
    "/duplicate-a": frozenset({"duplicate-title"}),
    "/duplicate-b": frozenset({"duplicate-title"}),
    "/noindex": frozenset({"is-crawlable"}),
    "/noindex-header": frozenset({"is-crawlable"}),
    "/no-lang": frozenset({"html-has-lang"}),
    "/bad-lang": frozenset({"html-lang-valid"}),
    "/unlabelled-input": frozenset({"label"}),
    "/empty-button": frozenset({"button-name"}),
    "/empty-link": frozenset({"link-name"}),
    "/duplicate-ids": frozenset({"duplicate-id"}),
    "/heading-skip": frozenset({"heading-order"}),
    "/empty-heading": frozenset({"empty-heading"}),
    "/viewport-locked": frozenset({"meta-viewport"}),
    "/click-here": frozenset({"link-text"}),
    "/multiple-h1": frozenset({"multiple-h1"}),
    "/no-h1": frozenset({"missing-h1", "page-has-heading-one"}),
    "/long-title": frozenset({"title-too-long"}),
    "/short-title": frozenset({"title-too-short"}),
    "/no-title": frozenset({"document-title"}),
    "/no-description": frozenset({"meta-description"}),
}

#: Paths robots.txt disallows; the home page links to the first, the sitemap lists the second.
ROBOTS_DISALLOWED = frozenset({"/private/", "/private/secret"})
#: Same-site pages listed in /sitemap.xml (in this order).
SITEMAP_PATHS = ("/", "/about", "/contact", "/new", "/orphan", "/private/secret")
#: Expected decoded titles of the two non-UTF-8 pages.
LATIN1_TITLE = "Café Müller: crème brûlée über alles"
WINDOWS_1252_TITLE = "Prices in € with “smart quotes” – Zürich"

GOOD_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
LOCKED_VIEWPORT = '<meta name="viewport" content="user-scalable=no, maximum-scale=1">'
_HOME_LINK = '<p><a href="/">Back to the Sitelens test site home page</a></p>'
_SUFFIX = " - Sitelens test site"

# A tiny but structurally valid one-page PDF.
PDF_BYTES = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
# A 1x1 transparent PNG.
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass
class Response:
    """A canned response: status, body bytes, headers (Content-Type included)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


SOCIAL_TAGS = (
    '<meta property="og:title" content="{title}"><meta property="og:type" content="website">'
    '<meta property="og:image" content="/logo.png"><meta property="og:url" content="/">'
    '<meta name="twitter:card" content="summary">'
)


def html_page(
    *,
    title: str | None,
    body: str,
    description: str | None,
    lang: str | None = "en",
    viewport: str = GOOD_VIEWPORT,
    head_extra: str = "",
    charset_meta: str | None = "utf-8",
    social: bool = True,
) -> str:
    """An HTML document with the head parts the rules look at, each optional
    (`social`: the Open Graph and Twitter card tags open-graph and twitter-card want)."""
    html_open = f'<html lang="{lang}">' if lang is not None else "<html>"
    head = []
    if charset_meta:
        head.append(f'<meta charset="{charset_meta}">')
    if title is not None:
        head.append(f"<title>{title}</title>")
    if description is not None:
        head.append(f'<meta name="description" content="{description}">')
    if viewport:
        head.append(viewport)
    if social:
        head.append(SOCIAL_TAGS.format(title=title or "A page without a title"))
    if head_extra:
        head.append(head_extra)
    return (
        "<!DOCTYPE html>\n"
        f"{html_open}\n<head>\n" + "\n".join(head) + "\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _html(text: str, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    all_headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    return Response(status=status, body=text.encode("utf-8"), headers=all_headers)


def _simple(path_title: str, description: str, content: str) -> Response:
    """A clean page: one h1, content, a link home."""
    return _html(
        html_page(
            title=path_title + _SUFFIX,
            description=description,
            body=f"<h1>{path_title}</h1>\n{content}\n{_HOME_LINK}",
        )
    )


HOME_LINKS: tuple[tuple[str, str], ...] = (
    ("/about", "About this test site"),
    ("/contact", "Contact form with labelled fields"),
    ("/old", "Our old address (redirects twice)"),
    ("/broken-links", "Page with broken links"),
    ("/image-alt", "Photo gallery without alt text"),
    ("/duplicate-a", "Services, first copy"),
    ("/duplicate-b", "Services, second copy"),
    ("/latin1", "A page encoded in Latin-1"),
    ("/windows-1252", "A page encoded in Windows-1252"),
    ("/noindex", "A page with a noindex meta tag"),
    ("/noindex-header", "A page with a noindex response header"),
    ("/nofollow", "A page whose links must not be followed"),
    ("/no-lang", "A page without a language"),
    ("/bad-lang", "A page with an invalid language"),
    ("/unlabelled-input", "A form with an unlabelled field"),
    ("/empty-button", "A page with an empty button"),
    ("/empty-link", "A page with an empty link"),
    ("/duplicate-ids", "A page with duplicate ids"),
    ("/heading-skip", "A page that skips a heading level"),
    ("/empty-heading", "A page with an empty heading"),
    ("/viewport-locked", "A page that blocks zooming"),
    ("/click-here", "A page with vague link texts"),
    ("/multiple-h1", "A page with two main headings"),
    ("/no-h1", "A page without a main heading"),
    ("/long-title", "A page with a very long title"),
    ("/short-title", "A page with a very short title"),
    ("/no-title", "A page without a title"),
    ("/no-description", "A page without a description"),
    ("/report.pdf", "Annual report (PDF)"),
    ("/calendar?month=1", "Events calendar"),
    ("/private/", "Staff-only area"),
)


def _build_routes() -> dict[str, Response]:
    routes: dict[str, Response] = {}
    items = "\n".join(f'<li><a href="{href}">{text}</a></li>' for href, text in HOME_LINKS)
    routes["/"] = _html(
        html_page(
            title="Welcome to the Sitelens test site",
            description=(
                "The home page of a small test website with known defects on known pages, "
                "used by the Sitelens test suite."
            ),
            body=(
                "<h1>Sitelens test site</h1>\n"
                '<p><img src="/logo.png" alt="Sitelens logo"></p>\n'
                "<h2>Every page</h2>\n"
                f"<ul>\n{items}\n</ul>\n"
                '<p>Curious? Read <a href="/about#history">the history of this site</a>.</p>\n'
                "<h2>Why this site exists</h2>\n"
                "<p>This site exists only to be crawled and audited.</p>"
            ),
        )
    )
    routes["/about"] = _simple(
        "About the Sitelens test site",
        "Why this small website exists: a stable target with documented defects for crawler "
        "and analyzer tests.",
        '<p>Meet <a href="/about/team">the team behind the test site</a>.</p>',
    )
    routes["/about/team"] = _simple(
        "The team behind the test site",
        "A page two clicks away from the home page, used to check that breadth-first depth "
        "is counted correctly.",
        "<p>Nobody works here; the page only has to exist at depth two.</p>",
    )
    routes["/contact"] = _html(
        html_page(
            title="Contact us" + _SUFFIX,
            description="A contact form whose every field has a label and whose button has "
            "a name, so form rules must stay silent.",
            body=(
                "<h1>Contact us</h1>\n"
                "<form>\n"
                '<label for="email">Email address</label>\n'
                '<input id="email" name="email" type="email">\n'
                '<button type="submit">Send message</button>\n'
                "</form>\n" + _HOME_LINK
            ),
        )
    )
    routes["/orphan"] = _simple(
        "An orphan page from the sitemap",
        "No page links here; only the sitemap lists this URL, so a crawler finds it only "
        "through the sitemap.",
        "<p>Found via sitemap.xml.</p>",
    )
    routes["/new"] = _simple(
        "Our new address after two redirects",
        "The final target of the redirect chain from the old address through the older "
        "address to this page.",
        "<p>You arrived after two redirects.</p>",
    )
    routes["/old"] = Response(
        status=301, body=b"Moved", headers={"Location": "/older", "Content-Type": "text/plain"}
    )
    routes["/older"] = Response(
        status=302, body=b"Found", headers={"Location": "/new", "Content-Type": "text/plain"}
    )
    routes["/missing"] = _html(
        html_page(
            title="Page not found" + _SUFFIX,
            description="The page you asked for does not exist on this test site, which answers "
            "with status 404 here.",
            body="<h1>Page not found</h1>\n" + _HOME_LINK,
        ),
        status=404,
    )
    routes["/error"] = _html(
        html_page(
            title="Internal server error" + _SUFFIX,
            description="This test page always fails with status 500 so that server errors can "
            "be recorded and reported.",
            body="<h1>Something went wrong</h1>\n" + _HOME_LINK,
        ),
        status=500,
    )
    routes["/broken-links"] = _simple(
        "Links that lead nowhere",
        "This page links to a page that does not exist and to a page that fails, so it "
        "carries broken links.",
        '<p>See <a href="/missing">the page that was removed</a> and '
        '<a href="/error">the page that always fails</a>.</p>',
    )
    routes["/image-alt"] = _simple(
        "Photo gallery without alt text",
        "A gallery whose only image has no alt attribute at all, which screen readers "
        "cannot describe.",
        '<p><img src="/logo.png" width="1" height="1"></p>',
    )
    for path, which in (("/duplicate-a", "first"), ("/duplicate-b", "second")):
        routes[path] = _html(
            html_page(
                title="Our services and prices" + _SUFFIX,
                description=f"The {which} of two pages that share exactly the same title, "
                "which search engines cannot tell apart.",
                body=f"<h1>Our services ({which} copy)</h1>\n" + _HOME_LINK,
            )
        )
    routes["/latin1"] = Response(
        status=200,
        body=html_page(
            title=LATIN1_TITLE,
            description="A page served as ISO-8859-1 by its Content-Type header, with accented "
            "letters in its title and text.",
            body=f"<h1>{LATIN1_TITLE}</h1>\n<p>Grüße aus Köln.</p>\n{_HOME_LINK}",
            charset_meta=None,
        ).encode("iso-8859-1"),
        headers={"Content-Type": "text/html; charset=iso-8859-1"},
    )
    routes["/windows-1252"] = Response(
        status=200,
        body=html_page(
            title=WINDOWS_1252_TITLE,
            description="A page that declares windows-1252 only in a meta tag, with a euro sign "
            "and curly quotes in its title.",
            body=f"<h1>{WINDOWS_1252_TITLE}</h1>\n<p>Preis: 5 €.</p>\n{_HOME_LINK}",
            charset_meta="windows-1252",
        ).encode("cp1252"),
        headers={"Content-Type": "text/html"},
    )
    routes["/noindex"] = _html(
        html_page(
            title="Hidden from search engines by meta",
            description="A page that asks search engines not to index it with a robots meta "
            "tag in its head section.",
            body="<h1>Not for search engines</h1>\n" + _HOME_LINK,
            head_extra='<meta name="robots" content="noindex">',
        )
    )
    routes["/noindex-header"] = _html(
        html_page(
            title="Hidden from search engines by header",
            description="A page that asks search engines not to index it with an X-Robots-Tag "
            "response header instead of a meta tag.",
            body="<h1>Not for search engines either</h1>\n" + _HOME_LINK,
        ),
        headers={"X-Robots-Tag": "noindex"},
    )
    routes["/nofollow"] = _html(
        html_page(
            title="A page whose links are not followed",
            description="A page with a robots meta tag saying nofollow: crawlers record its links "
            "but must not follow them.",
            body=(
                "<h1>Links not to follow</h1>\n"
                '<p>See <a href="/nofollow-target">the page behind a nofollow</a>.</p>\n'
                + _HOME_LINK
            ),
            head_extra='<meta name="robots" content="nofollow">',
        )
    )
    routes["/nofollow-target"] = _simple(
        "The page behind a nofollow link",
        "Only a nofollow page links here, so a crawler that honours nofollow never "
        "requests this page at all.",
        "<p>You should not be here.</p>",
    )
    routes["/no-lang"] = _html(
        html_page(
            title="A page without a language attribute",
            description="The html element of this page has no lang attribute, so assistive "
            "technology has to guess the language.",
            body="<h1>Which language is this?</h1>\n" + _HOME_LINK,
            lang=None,
        )
    )
    routes["/bad-lang"] = _html(
        html_page(
            title="A page with an invalid language code",
            description="The html element of this page has a lang attribute that is not a "
            "valid BCP 47 language tag at all.",
            body="<h1>An invalid language</h1>\n" + _HOME_LINK,
            lang="xx-invalid-!!",
        )
    )
    routes["/unlabelled-input"] = _simple(
        "A search form with an unlabelled field",
        "A form whose text field has neither a label element nor an aria-label, so its "
        "purpose is never announced.",
        '<form>\n<input type="text" name="q">\n<button type="submit">Search</button>\n</form>',
    )
    routes["/empty-button"] = _simple(
        "A page with a button that has no name",
        "A page with a button element that has no text and no aria-label, so screen readers "
        "just say button.",
        '<p><button type="button"></button></p>',
    )
    routes["/empty-link"] = _simple(
        "A page with a link that has no text",
        "A page with an anchor element that points somewhere but has no text content and "
        "no accessible name.",
        '<p><a href="/about"></a></p>',
    )
    routes["/duplicate-ids"] = _simple(
        "A page with the same id used twice",
        "A page where two different paragraphs carry the same id attribute, which breaks "
        "label and aria references.",
        '<p id="intro">First paragraph.</p>\n<p id="intro">Second paragraph.</p>',
    )
    routes["/heading-skip"] = _simple(
        "A page that jumps from h1 to h3",
        "A page whose heading structure skips a level, going straight from the main "
        "heading to a third-level heading.",
        "<h3>A sub-sub-section</h3>\n<p>Where did the h2 go?</p>",
    )
    routes["/empty-heading"] = _simple(
        "A page with an empty h2 heading",
        "A page with a second-level heading element that contains no text at all, which "
        "confuses heading navigation.",
        "<p>Introduction.</p>\n<h2></h2>\n<p>Section without a heading text.</p>",
    )
    routes["/viewport-locked"] = _html(
        html_page(
            title="A page that prevents zooming in",
            description="A page whose viewport meta tag disables user scaling and caps the "
            "zoom level, which hurts low-vision users.",
            body="<h1>No zooming here</h1>\n" + _HOME_LINK,
            viewport=LOCKED_VIEWPORT,
        )
    )
    routes["/click-here"] = _simple(
        "A page with vague link texts",
        "A page whose links say click here and read more, which tell neither search engines "
        "nor screen readers anything.",
        '<p>For details <a href="/about">click here</a>.</p>\n'
        '<p>Our team: <a href="/about/team">read more</a></p>',
    )
    routes["/multiple-h1"] = _html(
        html_page(
            title="A page with two main h1 headings",
            description="A page with two first-level heading elements, so it has no single "
            "clear main topic for readers.",
            body="<h1>First main heading</h1>\n<h1>Second main heading</h1>\n" + _HOME_LINK,
        )
    )
    routes["/no-h1"] = _html(
        html_page(
            title="A page without any main heading",
            description="A page that has paragraphs but no first-level heading element "
            "anywhere in its body content.",
            body="<p>Just a paragraph, no heading.</p>\n" + _HOME_LINK,
        )
    )
    routes["/long-title"] = _html(
        html_page(
            title=(
                "A page whose title is far too long to be shown in full by any search engine "
                "results page at all"
            ),
            description="A page whose title is well over sixty characters long, so search "
            "engines will cut it off.",
            body="<h1>A very long title</h1>\n" + _HOME_LINK,
        )
    )
    routes["/short-title"] = _html(
        html_page(
            title="Hi",
            description="A page whose title is just two characters long, far too short to tell "
            "anyone what the page is about.",
            body="<h1>A very short title</h1>\n" + _HOME_LINK,
        )
    )
    routes["/no-title"] = _html(
        html_page(
            title=None,
            description="A page that has no title element in its head at all, so browsers show "
            "its address instead.",
            body="<h1>A page without a title</h1>\n" + _HOME_LINK,
        )
    )
    routes["/no-description"] = _html(
        html_page(
            title="A page without a meta description",
            description=None,
            body="<h1>No description here</h1>\n" + _HOME_LINK,
        )
    )
    routes["/private/"] = _simple(
        "Staff-only private area index",
        "The private staff area, disallowed by robots.txt: a polite crawler must never "
        "request anything under this path.",
        '<p><a href="/private/secret">The secret staff document</a></p>',
    )
    routes["/private/secret"] = _simple(
        "The secret staff document page",
        "A private page listed in the sitemap but disallowed by robots.txt, so it must not "
        "be fetched even from there.",
        "<p>Secret.</p>",
    )
    routes["/report.pdf"] = Response(body=PDF_BYTES, headers={"Content-Type": "application/pdf"})
    routes["/logo.png"] = Response(body=PNG_BYTES, headers={"Content-Type": "image/png"})
    return routes


ROUTES: dict[str, Response] = _build_routes()


def calendar_page(month: int) -> Response:
    """The endless calendar trap: month N links to month N+1, forever."""
    return _html(
        html_page(
            title=f"Events calendar for month {month}" + _SUFFIX,
            description=f"Events planned for month number {month}; every month links to the "
            "next one, so this calendar never ends.",
            body=(
                f"<h1>Events in month {month}</h1>\n"
                f'<p><a href="/calendar?month={month + 1}">Events of the next month</a></p>\n'
                + _HOME_LINK
            ),
        )
    )


class TestSite:
    """The test website on 127.0.0.1, random port, served from a daemon thread.

    `latency` delays every response (seconds) for cancellation tests; `extra_routes`
    adds or overrides paths (exact path match, query ignored; robots.txt and the
    sitemap included) for one test's needs. A route may be a `Response` or a function
    of the request headers that returns one (it runs in the server's thread).
    """

    __test__ = False  # not a pytest test class despite the name

    def __init__(
        self,
        *,
        latency: float = 0.0,
        extra_routes: dict[str, Response | Callable[[Message], Response]] | None = None,
        port: int = 0,
    ) -> None:
        self.latency = latency
        self.extra_routes = dict(extra_routes or {})
        self.routes: dict[str, Response] = {**ROUTES, **self.extra_routes}
        self._requests: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.host_port = f"{host}:{port}"
        self.url = f"http://{self.host_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # close() waits for one poll: keep teardown fast
            name="testsite",
            daemon=True,
        )
        self._thread.start()

    def url_for(self, path: str) -> str:
        return self.url + path

    @property
    def requests(self) -> list[str]:
        """Paths (with query string) requested so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def paths(self) -> set[str]:
        """Distinct paths (without query string) requested so far."""
        return {urlsplit(p).path for p in self.requests}

    def count(self, path_and_query: str) -> int:
        """How often exactly this path (with query, if given) was requested."""
        return self.requests.count(path_and_query)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> TestSite:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- serving ------------------------------------------------------------------------

    def _record(self, path: str) -> None:
        with self._lock:
            self._requests.append(path)

    def respond(self, raw_path: str, headers: Message | None = None) -> Response:
        """The response for a request path (with query)."""
        parts = urlsplit(raw_path)
        override = self.extra_routes.get(parts.path)
        if override is not None:
            return override(headers) if callable(override) else override
        if parts.path == "/robots.txt":
            text = f"User-agent: *\nDisallow: /private/\n\nSitemap: {self.url}/sitemap.xml\n"
            return Response(body=text.encode(), headers={"Content-Type": "text/plain"})
        if parts.path == "/sitemap.xml":
            entries = "".join(f"<url><loc>{self.url}{p}</loc></url>" for p in SITEMAP_PATHS)
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"{entries}</urlset>\n"
            )
            return Response(body=xml.encode(), headers={"Content-Type": "application/xml"})
        if parts.path == "/calendar" and parts.path not in self.routes:
            values = parse_qs(parts.query).get("month", ["1"])
            try:
                month = max(1, int(values[0]))
            except ValueError:
                month = 1
            return calendar_page(month)
        response = self.routes.get(parts.path)
        if response is not None:
            return response
        return ROUTES["/missing"]


def _make_handler(site: TestSite) -> Callable[..., BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SitelensTestSite/1.0"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._serve(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(send_body=False)

        def _serve(self, *, send_body: bool) -> None:
            site._record(self.path)
            if site.latency:
                time.sleep(site.latency)
            response = site.respond(self.path, self.headers)
            try:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (e.g. a cancelled crawl)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep test output clean

    return Handler
