"""robots.txt: RFC 9309 status handling on top of protego's matching."""

from __future__ import annotations

from apps.web.http import FetchError
from apps.web.robots import RobotsPolicy, fetch_robots, product_token
from apps.web.types import FetchResult

UA = "SitelensBot/0.1 (+https://github.com/sitelens/sitelens)"


class FakeClient:
    """Answers every URL with one canned result (or error) and records the calls."""

    def __init__(
        self, *, status: int = 200, body: bytes = b"", error: FetchError | None = None
    ) -> None:
        self.status = status
        self.body = body
        self.error = error
        self.calls: list[tuple[str, bool]] = []

    def get(self, url, *, headers=None, follow_redirects=True, auth=None) -> FetchResult:
        self.calls.append((url, follow_redirects))
        if self.error is not None:
            raise self.error
        return FetchResult(
            url=url,
            final_url=url,
            status=self.status,
            headers={"content-type": "text/plain"},
            body=self.body,
        )


def policy_for(body: str, status: int = 200) -> RobotsPolicy:
    return fetch_robots(FakeClient(status=status, body=body.encode()), "https://a.test/", UA)


def test_it_fetches_robots_txt_at_the_origin_root_following_redirects() -> None:
    client = FakeClient(body=b"")

    fetch_robots(client, "https://a.test:8443/deep/page?x=1", UA)

    assert client.calls == [("https://a.test:8443/robots.txt", True)]


def test_it_disallows_what_a_2xx_file_disallows() -> None:
    policy = policy_for("User-agent: *\nDisallow: /private/\n")

    assert policy.mode == "rules"
    assert not policy.allowed("https://a.test/private/secret")
    assert policy.allowed("https://a.test/public")


def test_it_applies_the_group_for_our_product_token() -> None:
    policy = policy_for(
        "User-agent: *\nDisallow:\n\nUser-agent: SitelensBot\nDisallow: /no-bots/\n"
    )

    assert not policy.allowed("https://a.test/no-bots/page")
    assert policy.allowed("https://a.test/other")


def test_it_honours_allow_over_a_shorter_disallow() -> None:
    policy = policy_for("User-agent: *\nDisallow: /shop/\nAllow: /shop/public/\n")

    assert policy.allowed("https://a.test/shop/public/item")
    assert not policy.allowed("https://a.test/shop/cart")


def test_it_reads_crawl_delay_and_sitemaps() -> None:
    policy = policy_for(
        "User-agent: *\nCrawl-delay: 2.5\n\nSitemap: https://a.test/sitemap_index.xml\n"
    )

    assert policy.crawl_delay == 2.5
    assert policy.sitemaps == ["https://a.test/sitemap_index.xml"]


def test_it_ignores_a_byte_order_mark() -> None:
    policy = policy_for("\ufeffUser-agent: *\nDisallow: /x\n")

    assert not policy.allowed("https://a.test/x")


def test_it_allows_everything_when_robots_txt_is_missing() -> None:
    policy = policy_for("<h1>Not found</h1>", status=404)

    assert policy.mode == "allow_all"
    assert policy.status == 404
    assert policy.allowed("https://a.test/anything")


def test_it_disallows_everything_on_a_server_error() -> None:
    policy = policy_for("oops", status=503)

    assert policy.mode == "disallow_all"
    assert "503" in policy.reason
    assert not policy.allowed("https://a.test/")


def test_it_treats_429_as_unreachable() -> None:
    policy = policy_for("slow down", status=429)

    assert not policy.allowed("https://a.test/")


def test_it_disallows_everything_when_the_fetch_fails() -> None:
    client = FakeClient(error=FetchError("timeout", "timed out"))

    policy = fetch_robots(client, "https://a.test/", UA)

    assert policy.mode == "disallow_all"
    assert policy.error == "timeout"
    assert "timeout" in policy.description
    assert not policy.allowed("https://a.test/page")


def test_it_allows_everything_after_too_many_redirects() -> None:
    client = FakeClient(error=FetchError("too_many_redirects", "loop"))

    policy = fetch_robots(client, "https://a.test/", UA)

    assert policy.mode == "allow_all"
    assert policy.allowed("https://a.test/page")


def test_it_always_allows_robots_txt_itself() -> None:
    policy = policy_for("oops", status=500)

    assert policy.allowed("https://a.test/robots.txt")


def test_it_describes_itself_for_logs() -> None:
    policy = policy_for("User-agent: *\nCrawl-delay: 3\nSitemap: https://a.test/s.xml\n")

    assert policy.description == (
        "https://a.test/robots.txt: HTTP 200: parsed; crawl-delay 3s; 1 sitemap(s)"
    )


def test_it_matches_groups_on_the_product_token_only() -> None:
    assert product_token(UA) == "SitelensBot"
