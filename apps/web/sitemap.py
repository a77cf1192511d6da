"""Sitemap discovery and parsing (sitemaps.org protocol), bounded and XXE-safe.

Sitemaps come from hostile sites as often as friendly ones, so:

* the XML parser never resolves entities, never touches the network and refuses
  huge trees; documents carrying a DTD are rejected outright (a sitemap never
  needs one, and that is where billion-laughs and XXE payloads live);
* at most `max_files` sitemap files are fetched and `max_urls` URLs kept;
* gzip files are inflated with a hard output cap (the protocol's 50 MB);
* only same-site sitemap files are fetched and only same-site URLs returned.

The response size itself is capped by the HTTP client.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urljoin

from lxml import etree

from apps.web.http.errors import FetchError
from apps.web.robots import HttpClient
from apps.web.urls import normalize_url, origin

MAX_SITEMAP_FILES = 10
MAX_SITEMAP_URLS = 50_000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # sitemaps.org limit for one file
MAX_SKIPPED_RECORDED = 1000  # a hostile sitemap may list 50k off-site URLs; log a sample
GZIP_MAGIC = b"\x1f\x8b"
PROLOG_SCAN_BYTES = 64 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)

SitemapKind = Literal["urlset", "sitemapindex", "text"]


class SitemapError(ValueError):
    """A sitemap file that cannot be used; `code` is short and machine-readable."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code


@dataclass
class ParsedSitemap:
    kind: SitemapKind
    locs: list[str]  # raw <loc> values (or lines of a text sitemap), document order


@dataclass
class SitemapResult:
    """What sitemap collection found, with enough detail to log it."""

    urls: list[str] = field(default_factory=list)  # normalised same-site page URLs
    files: list[str] = field(default_factory=list)  # sitemap files fetched and parsed
    errors: list[tuple[str, str]] = field(default_factory=list)  # (sitemap URL, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (URL, reason)
    truncated: bool = False  # a file or URL limit was reached


def _xml_parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def inflate_if_gzip(body: bytes, *, limit: int = MAX_UNCOMPRESSED_BYTES) -> bytes:
    """Gunzip `body` if it is gzip data, refusing output larger than `limit`."""
    if not body.startswith(GZIP_MAGIC):
        return body
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise SitemapError("bad_gzip", str(exc)) from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise SitemapError("too_large", "gzip sitemap inflates beyond the limit")
    return out


def parse_sitemap(body: bytes, *, content_type: str = "") -> ParsedSitemap:
    """Parse one sitemap file (XML urlset/sitemapindex, or a plain-text list).

    Raises SitemapError for anything unusable. Entities are never expanded.
    """
    data = inflate_if_gzip(body)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise SitemapError("empty")
    is_xml = stripped.startswith((b"<", codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not is_xml:
        if content_type and content_type not in ("text/plain", "application/octet-stream"):
            raise SitemapError("not_a_sitemap", f"unexpected content type {content_type}")
        lines = stripped.decode("utf-8", errors="replace").splitlines()
        return ParsedSitemap(kind="text", locs=[ln.strip() for ln in lines if ln.strip()])

    if _DOCTYPE.search(stripped[:PROLOG_SCAN_BYTES]):
        # Refuse before parsing: the clearest answer, and no parser effort spent on it.
        raise SitemapError("dtd_not_allowed", "sitemaps must not carry a DTD")
    try:
        root = etree.fromstring(stripped, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise SitemapError("bad_xml", str(exc)) from exc
    if root is None:
        raise SitemapError("bad_xml")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise SitemapError("dtd_not_allowed", "sitemaps must not carry a DTD")

    kind = etree.QName(root).localname
    if kind == "urlset":
        entry = "url"
    elif kind == "sitemapindex":
        entry = "sitemap"
    else:
        raise SitemapError("not_a_sitemap", f"root element <{kind}>")

    locs: list[str] = []
    for item in root:
        if not isinstance(item.tag, str) or etree.QName(item).localname != entry:
            continue
        for child in item:
            if isinstance(child.tag, str) and etree.QName(child).localname == "loc":
                if len(child):  # entity references or markup inside <loc>: not a plain URL
                    continue
                text = (child.text or "").strip()
                if text:
                    locs.append(text)
                break
    return ParsedSitemap(kind=kind, locs=locs)  # type: ignore[arg-type]


def _skip(result: SitemapResult, url: str, reason: str) -> None:
    if len(result.skipped) < MAX_SKIPPED_RECORDED:
        result.skipped.append((url, reason))


def candidate_sitemaps(site_url: str, robots_sitemaps: Iterable[str] = ()) -> list[str]:
    """Sitemaps to try: those robots.txt lists, then /sitemap.xml; normalised, unique."""
    out: list[str] = []
    for raw in [*robots_sitemaps, f"{origin(site_url)}/sitemap.xml"]:
        url = normalize_url(urljoin(site_url, raw.strip()))
        if url and url not in out:
            out.append(url)
    return out


def collect_sitemap_urls(
    client: HttpClient,
    site_url: str,
    robots_sitemaps: Iterable[str] = (),
    *,
    allowed: Callable[[str], bool] | None = None,
    max_files: int = MAX_SITEMAP_FILES,
    max_urls: int = MAX_SITEMAP_URLS,
    between_files: Callable[[], None] | None = None,
) -> SitemapResult:
    """Fetch the site's sitemaps (following sitemap indexes) and return its page URLs.

    `allowed` (e.g. a robots policy's `allowed`) is asked before each sitemap file is
    fetched; `between_files` is called before each fetch after the first (a caller's
    heartbeat: ten slow files can take minutes). Failures are recorded in `errors`, never raised (except whatever the
    client raises that is not a FetchError, e.g. a cancellation).
    """
    site_origin = origin(site_url)
    result = SitemapResult()
    queue: deque[str] = deque()
    queued: set[str] = set()
    seen_urls: set[str] = set()

    for url in candidate_sitemaps(site_url, robots_sitemaps):
        if origin(url) != site_origin:
            result.skipped.append((url, "off-site"))
            continue
        queue.append(url)
        queued.add(url)

    while queue:
        if len(result.files) + len(result.errors) >= max_files:
            result.truncated = True
            break
        sitemap_url = queue.popleft()
        if between_files is not None and (result.files or result.errors):
            between_files()
        if allowed is not None and not allowed(sitemap_url):
            result.skipped.append((sitemap_url, "robots-disallowed"))
            continue
        try:
            response = client.get(sitemap_url, follow_redirects=True)
        except FetchError as exc:
            result.errors.append((sitemap_url, getattr(exc, "code", "connection")))
            continue
        if not 200 <= response.status < 300:
            result.errors.append((sitemap_url, f"http_{response.status}"))
            continue
        try:
            parsed = parse_sitemap(response.body, content_type=response.content_type)
        except SitemapError as exc:
            result.errors.append((sitemap_url, exc.code))
            continue
        result.files.append(sitemap_url)

        base = response.final_url or sitemap_url
        for raw in parsed.locs:
            url = normalize_url(urljoin(base, raw))
            if url is None:
                _skip(result, raw, "invalid-url")
                continue
            if origin(url) != site_origin:
                _skip(result, url, "off-site")
                continue
            if parsed.kind == "sitemapindex":
                if url not in queued:
                    queued.add(url)
                    queue.append(url)
                continue
            if url in seen_urls:
                continue
            if len(result.urls) >= max_urls:
                result.truncated = True
                return result
            seen_urls.add(url)
            result.urls.append(url)
    return result
