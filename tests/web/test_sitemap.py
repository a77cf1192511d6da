"""Sitemaps: parsing (XXE/billion-laughs safe), discovery and bounded collection."""

from __future__ import annotations

import gzip
import time

import pytest

from apps.web.http import FetchError
from apps.web.sitemap import (
    SitemapError,
    candidate_sitemaps,
    collect_sitemap_urls,
    inflate_if_gzip,
    parse_sitemap,
)
from apps.web.types import FetchResult

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def urlset(*locs: str) -> bytes:
    entries = "".join(f"<url><loc>{loc}</loc><lastmod>2024-01-01</lastmod></url>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {NS}>{entries}</urlset>'.encode()


def sitemapindex(*locs: str) -> bytes:
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0"?><sitemapindex {NS}>{entries}</sitemapindex>'.encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://a.test/&lol9;</loc></url>
</urlset>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://a.test/&xxe;</loc></url>
</urlset>
"""


class FakeWeb:
    """Canned responses by URL; unknown URLs answer 404. Records requested URLs."""

    def __init__(self, pages: dict[str, bytes | FetchError]) -> None:
        self.pages = pages
        self.calls: list[str] = []

    def get(self, url, *, headers=None, follow_redirects=True, auth=None) -> FetchResult:
        self.calls.append(url)
        page = self.pages.get(url)
        if isinstance(page, FetchError):
            raise page
        status = 404 if page is None else 200
        return FetchResult(
            url=url,
            final_url=url,
            status=status,
            headers={"content-type": "application/xml"},
            body=page or b"",
        )


# -- parsing --------------------------------------------------------------------------------


def test_it_parses_a_urlset() -> None:
    parsed = parse_sitemap(urlset("https://a.test/", "https://a.test/about"))

    assert parsed.kind == "urlset"
    assert parsed.locs == ["https://a.test/", "https://a.test/about"]


def test_it_parses_a_sitemap_index() -> None:
    parsed = parse_sitemap(sitemapindex("https://a.test/s1.xml", "https://a.test/s2.xml"))

    assert parsed.kind == "sitemapindex"
    assert parsed.locs == ["https://a.test/s1.xml", "https://a.test/s2.xml"]


def test_it_parses_a_gzipped_sitemap() -> None:
    parsed = parse_sitemap(gzip.compress(urlset("https://a.test/zipped")))

    assert parsed.locs == ["https://a.test/zipped"]


def test_it_parses_a_plain_text_sitemap() -> None:
    parsed = parse_sitemap(b"https://a.test/one\n\nhttps://a.test/two\n", content_type="text/plain")

    assert (parsed.kind, parsed.locs) == ("text", ["https://a.test/one", "https://a.test/two"])


def test_it_does_not_expand_a_billion_laughs_sitemap() -> None:
    started = time.monotonic()

    with pytest.raises(SitemapError) as caught:
        parse_sitemap(BILLION_LAUGHS)

    assert caught.value.code == "dtd_not_allowed"
    assert time.monotonic() - started < 1.0


def test_it_does_not_resolve_external_entities() -> None:
    with pytest.raises(SitemapError) as caught:
        parse_sitemap(XXE)

    assert caught.value.code == "dtd_not_allowed"
    assert "root:" not in str(caught.value)


def test_it_rejects_a_dtd_hidden_in_utf16() -> None:
    body = XXE.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"')

    with pytest.raises(SitemapError) as caught:
        parse_sitemap(body.encode("utf-16"))

    assert caught.value.code == "dtd_not_allowed"


def test_it_rejects_malformed_xml() -> None:
    with pytest.raises(SitemapError) as caught:
        parse_sitemap(b"<urlset><url><loc>https://a.test/</url>")

    assert caught.value.code == "bad_xml"


def test_it_rejects_an_html_page_served_as_sitemap() -> None:
    with pytest.raises(SitemapError) as caught:
        parse_sitemap(b"<html><body>Not found</body></html>", content_type="text/html")

    assert caught.value.code in ("bad_xml", "not_a_sitemap")


def test_it_refuses_a_gzip_bomb() -> None:
    bomb = gzip.compress(b"\0" * 200_000)

    with pytest.raises(SitemapError) as caught:
        inflate_if_gzip(bomb, limit=100_000)

    assert caught.value.code == "too_large"


# -- discovery and collection -----------------------------------------------------------------


def test_it_tries_robots_sitemaps_then_sitemap_xml_without_duplicates() -> None:
    found = candidate_sitemaps(
        "https://a.test/", ["https://a.test/sitemap.xml", "/news-sitemap.xml"]
    )

    assert found == ["https://a.test/sitemap.xml", "https://a.test/news-sitemap.xml"]


def test_it_collects_normalised_same_site_urls_through_an_index() -> None:
    web = FakeWeb(
        {
            "https://a.test/sitemap.xml": sitemapindex("https://a.test/pages.xml"),
            "https://a.test/pages.xml": urlset(
                "https://A.test/about#team", "https://a.test/about", "https://other.test/x"
            ),
        }
    )

    result = collect_sitemap_urls(web, "https://a.test/")

    assert result.urls == ["https://a.test/about"]
    assert result.files == ["https://a.test/sitemap.xml", "https://a.test/pages.xml"]
    assert ("https://other.test/x", "off-site") in result.skipped


def test_it_never_fetches_an_off_site_sitemap() -> None:
    web = FakeWeb({})

    result = collect_sitemap_urls(web, "https://a.test/", ["https://cdn.other.test/sitemap.xml"])

    assert "https://cdn.other.test/sitemap.xml" not in web.calls
    assert ("https://cdn.other.test/sitemap.xml", "off-site") in result.skipped


def test_it_fetches_at_most_max_files_sitemaps() -> None:
    pages: dict[str, bytes | FetchError] = {
        "https://a.test/sitemap.xml": sitemapindex(*(f"https://a.test/s{i}.xml" for i in range(30)))
    }
    for i in range(30):
        pages[f"https://a.test/s{i}.xml"] = urlset(f"https://a.test/p{i}")
    web = FakeWeb(pages)

    result = collect_sitemap_urls(web, "https://a.test/", max_files=10)

    assert len(web.calls) == 10
    assert result.truncated


def test_it_keeps_at_most_max_urls() -> None:
    web = FakeWeb(
        {"https://a.test/sitemap.xml": urlset(*(f"https://a.test/p{i}" for i in range(100)))}
    )

    result = collect_sitemap_urls(web, "https://a.test/", max_urls=25)

    assert result.urls == [f"https://a.test/p{i}" for i in range(25)]
    assert result.truncated


def test_it_asks_before_fetching_each_sitemap() -> None:
    web = FakeWeb({"https://a.test/sitemap.xml": urlset("https://a.test/x")})

    result = collect_sitemap_urls(web, "https://a.test/", allowed=lambda url: False)

    assert web.calls == []
    assert result.skipped == [("https://a.test/sitemap.xml", "robots-disallowed")]


def test_it_records_failed_sitemaps_and_goes_on() -> None:
    web = FakeWeb(
        {
            "https://a.test/broken.xml": FetchError("timeout", "slow"),
            "https://a.test/bad.xml": BILLION_LAUGHS,
            "https://a.test/sitemap.xml": urlset("https://a.test/ok"),
        }
    )

    result = collect_sitemap_urls(
        web, "https://a.test/", ["/broken.xml", "/missing.xml", "/bad.xml"]
    )

    assert result.urls == ["https://a.test/ok"]
    assert result.errors == [
        ("https://a.test/broken.xml", "timeout"),
        ("https://a.test/missing.xml", "http_404"),
        ("https://a.test/bad.xml", "dtd_not_allowed"),
    ]
