"""Tests for the guarded HTTP client (the SSRF boundary).

Every fetch goes to a real server on 127.0.0.1/::1 (tests/support/http_server.py);
nothing about requests/urllib3 is mocked, because what matters is what actually
happens on the wire. An autouse guard fails any test that tries to resolve a
real name or connect anywhere but loopback: public addresses appear only as
resolver answers in cases that must be refused before connecting.
"""

from __future__ import annotations

import datetime
import gzip
import ipaddress
import socket
import ssl
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import brotli
import pytest

from apps.web.http import (
    BlockedAddress,
    FetchError,
    GuardedClient,
    check_url,
    default_resolver,
    parse_allowed_targets,
    validate_target,
)
from apps.web.http.watchdog import Watchdog
from tests.support.http_server import LocalHTTPServer, Reply

LOOPBACK = {"127.0.0.1", "::1"}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse (and report) any DNS lookup of a real name and any non-loopback connect."""
    violations: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_getaddrinfo(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            ipaddress.ip_address(str(host).split("%")[0])
        except ValueError:
            violations.append(f"DNS lookup of {host!r}")
            raise socket.gaierror(socket.EAI_NONAME, "tests may not use real DNS") from None
        return real_getaddrinfo(host, port, *args, **kwargs)

    def check(address: object) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if host not in LOOPBACK:
            violations.append(f"connect to {address!r}")
            raise ConnectionRefusedError("tests may only connect to loopback")

    def guarded_connect(self, address):  # type: ignore[no-untyped-def]
        check(address)
        return real_connect(self, address)

    def guarded_connect_ex(self, address):  # type: ignore[no-untyped-def]
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    yield violations
    assert not violations, f"test touched the network beyond loopback: {violations}"


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        srv.route("/", Reply(200, "hello", {"Content-Type": "text/plain; charset=utf-8"}))
        yield srv


@pytest.fixture
def other_server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as srv:
        srv.route("*", Reply(200, "you should not see this"))
        yield srv


def client_for(*servers: LocalHTTPServer, **kwargs: object) -> GuardedClient:
    """A client allowed to reach exactly these servers, with test-sized timeouts."""
    options: dict[str, object] = {
        "allowed_targets": [s.authority for s in servers],
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "total_timeout": 10.0,
    }
    options.update(kwargs)
    return GuardedClient(**options)  # type: ignore[arg-type]


def fixed_resolver(mapping: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    return lambda host, port: list(mapping.get(host, []))


def closed_port() -> int:
    """A loopback port with (almost certainly) nothing listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redirect(location: str, status: int = 302) -> Reply:
    return Reply(status, "", {"Location": location})


def teredo(client_ipv4: str, server_ipv4: str = "65.54.227.120") -> str:
    """Teredo address whose (obfuscated) client part is ``client_ipv4``."""
    value = (
        (0x20010000 << 96)
        | (int(ipaddress.IPv4Address(server_ipv4)) << 64)
        | (0x8000 << 48)
        | (0xFFFF << 32)
        | (~int(ipaddress.IPv4Address(client_ipv4)) & 0xFFFFFFFF)
    )
    return str(ipaddress.IPv6Address(value))


def _bomb(encoding: str, size: int = 50 * 1024 * 1024) -> bytes:
    """``size`` zero bytes compressed with ``encoding`` (tens of KiB on the wire)."""
    zeros = bytes(1024 * 1024)
    if encoding == "br":
        comp = brotli.Compressor(quality=5)
        return b"".join(comp.process(zeros) for _ in range(size // len(zeros))) + comp.finish()
    wbits = {"gzip": 31, "deflate": 15}[encoding]
    zcomp = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return b"".join(zcomp.compress(zeros) for _ in range(size // len(zeros))) + zcomp.flush()


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {enc: _bomb(enc) for enc in ("gzip", "deflate", "br")}


# --------------------------------------------------------------------------- URL checks

BLOCKED_HOSTS = [
    "127.0.0.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "127.1",
    "0x7f.1",
    "127.0.0.1.",
    "[::ffff:127.0.0.1]",
    "[::7f00:1]",  # IPv4-compatible
    "0.0.0.0",
    "0",
    "[::]",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.100.100.200",
    "192.0.0.192",
    "198.18.0.1",
    "192.0.2.1",
    "[fd00:ec2::254]",
    "[::1]",
    "[fe80::1]",
    "[fec0::1]",
    "[2001:db8::1]",
    "[64:ff9b::7f00:1]",
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
    "[2002:7f00:1::]",
    f"[{teredo('127.0.0.1')}]",
    "224.0.0.1",
    "[ff02::1]",
    "240.0.0.1",
    "255.255.255.255",
    "１２７.０.０.１",  # full-width digits
    "１２７．０．０．１",  # full-width digits and dots
    "①②⑦.0.0.1",  # circled digits normalise (NFKC) to 127.0.0.1 too
]


@pytest.mark.parametrize("host", BLOCKED_HOSTS)
def test_it_refuses_every_non_public_address_form(host: str, server: LocalHTTPServer) -> None:
    url = f"http://{host}:{server.port}/"
    with (
        GuardedClient(resolver=fixed_resolver({})) as client,
        pytest.raises(BlockedAddress) as info,
    ):
        client.get(url)
    assert info.value.code == "blocked_address"
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com@127.0.0.1/",
        "http://user@127.0.0.1/",
        "http://user:secret@example.com/",
        "http://@127.0.0.1/",
        "http://example.com%40127.0.0.1/",
    ],
)
def test_it_rejects_urls_with_user_info(url: str) -> None:
    with pytest.raises(FetchError) as info:
        check_url(url)
    assert info.value.code == "invalid_url"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://127.0.0.1:6379/_INFO",
        "data:text/html,hi",
        "ws://example.com/",
    ],
)
def test_it_refuses_schemes_other_than_http_and_https(url: str) -> None:
    with pytest.raises(FetchError) as info:
        GuardedClient(resolver=fixed_resolver({})).get(url)
    assert info.value.code == "bad_scheme"


@pytest.mark.parametrize("url", ["example.com/page", "//example.com/", "/relative/path", ""])
def test_it_requires_an_absolute_url_with_scheme(url: str) -> None:
    with pytest.raises(FetchError) as info:
        GuardedClient(resolver=fixed_resolver({})).get(url)
    assert info.value.code == "invalid_url"


@pytest.mark.parametrize(
    "url",
    [
        "http://1.2.3.256/",
        "http://a b.example/",
        "http://example.com\\@127.0.0.1/",
        "http://[127.0.0.1]/",
        "http://example.com:99999/",
        "http://example.com:0/",
        "http://[fe80::1%25eth0]/",
        "http://%31%32%37.0.0.1/",
        "http://exa\nmple.com/",
        "http:///no-host",
    ],
)
def test_it_rejects_malformed_hosts_and_ports(url: str) -> None:
    with pytest.raises(FetchError) as info:
        check_url(url)
    assert info.value.code == "invalid_url"


def test_it_refuses_urls_longer_than_the_cap() -> None:
    url = "http://example.com/" + "a" * 2100
    with pytest.raises(FetchError) as info:
        GuardedClient(resolver=fixed_resolver({"example.com": ["8.8.8.8"]})).get(url)
    assert info.value.code == "url_too_long"


def test_it_canonicalises_hosts_for_the_checks() -> None:
    scheme, host, port = check_url("HTTPS://Bücher.Example./a?b=1")
    assert (scheme, host, port) == ("https", "xn--bcher-kva.example", 443)
    assert tuple(check_url("http://0x7f000001:8123/")) == ("http", "127.0.0.1", 8123)


# --------------------------------------------------------------------------- resolution


def test_it_reports_unresolvable_hosts_as_dns() -> None:
    with pytest.raises(FetchError) as info:
        GuardedClient(resolver=fixed_resolver({})).get("http://nonexistent.invalid/")
    assert info.value.code == "dns"


def test_it_maps_default_resolver_failures_to_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(FetchError) as info:
        GuardedClient().get("http://nonexistent.invalid/")
    assert info.value.code == "dns"


def test_it_default_resolver_returns_every_address_once(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.7", 80)),
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("2001:db8::7", 80, 0, 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("203.0.113.7", 80)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers)
    assert default_resolver("multi.example", 80) == ["203.0.113.7", "2001:db8::7"]


def test_it_blocks_a_name_when_any_resolved_address_is_private() -> None:
    resolver = fixed_resolver({"mixed.example": ["8.8.8.8", "10.0.0.7"]})
    with pytest.raises(BlockedAddress):
        GuardedClient(resolver=resolver).get("http://mixed.example/")


def test_it_blocks_a_name_resolving_to_loopback(server: LocalHTTPServer) -> None:
    resolver = fixed_resolver({"localhost": ["127.0.0.1"]})
    with pytest.raises(BlockedAddress):
        GuardedClient(resolver=resolver).get(f"http://localhost:{server.port}/")
    assert server.requests == []


def test_it_blocks_a_full_width_name_that_normalises_to_localhost(
    server: LocalHTTPServer,
) -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"] if host == "localhost" else []

    with pytest.raises(BlockedAddress):
        GuardedClient(resolver=resolver).get(f"http://ｌｏｃａｌｈｏｓｔ:{server.port}/")
    assert asked == ["localhost"]
    assert server.requests == []


def test_it_never_unlocks_metadata_addresses_through_an_allowed_hostname() -> None:
    client = GuardedClient(
        allowed_targets=["metadata.test:80"],
        resolver=fixed_resolver({"metadata.test": ["169.254.169.254"]}),
    )
    with pytest.raises(BlockedAddress):
        client.get("http://metadata.test/latest/meta-data/")


def test_it_validates_targets_without_fetching(server: LocalHTTPServer) -> None:
    allowed = [server.authority]
    assert validate_target(server.url("/"), allowed_targets=allowed) == "127.0.0.1"
    with pytest.raises(BlockedAddress):
        validate_target(server.url("/"), allowed_targets=[])
    assert server.requests == []


# --------------------------------------------------------------------------- allow-list


def test_it_refuses_loopback_without_allowed_targets(server: LocalHTTPServer) -> None:
    with pytest.raises(BlockedAddress):
        GuardedClient().get(server.url("/"))
    assert server.requests == []


def test_it_fetches_an_allowed_loopback_target(server: LocalHTTPServer) -> None:
    with client_for(server) as client:
        result = client.get(server.url("/"))
    assert (result.status, result.body, result.ip) == (200, b"hello", "127.0.0.1")
    assert result.headers["content-type"] == "text/plain; charset=utf-8"
    assert result.content_type == "text/plain"
    assert result.url == result.final_url == server.url("/")
    sent = server.requests[0].headers
    assert sent["Host"] == server.authority
    assert sent["User-Agent"].startswith("SitelensBot/")


def test_it_allows_a_target_listed_by_hostname(server: LocalHTTPServer) -> None:
    client = GuardedClient(
        allowed_targets=[f"demo.test:{server.port}"],
        resolver=fixed_resolver({"demo.test": ["127.0.0.1"]}),
    )
    result = client.get(f"http://demo.test:{server.port}/")
    assert result.status == 200
    assert server.requests[0].headers["Host"] == f"demo.test:{server.port}"


def test_it_refuses_a_redirect_to_a_loopback_port_that_is_not_allowed(
    server: LocalHTTPServer, other_server: LocalHTTPServer
) -> None:
    server.route("/go", redirect(other_server.url("/")))
    with pytest.raises(BlockedAddress):
        client_for(server).get(server.url("/go"))
    assert other_server.requests == []


def test_it_refuses_a_redirect_to_a_numeric_loopback_spelling(
    server: LocalHTTPServer, other_server: LocalHTTPServer
) -> None:
    server.route("/go", redirect(f"http://2130706433:{other_server.port}/"))
    with pytest.raises(BlockedAddress):
        client_for(server).get(server.url("/go"))
    assert other_server.requests == []


def test_it_refuses_a_redirect_to_another_scheme(server: LocalHTTPServer) -> None:
    server.route("/go", redirect("file:///etc/passwd"))
    with pytest.raises(FetchError) as info:
        client_for(server).get(server.url("/go"))
    assert info.value.code == "bad_scheme"


def test_it_reports_a_malformed_redirect_location_as_invalid_url(server: LocalHTTPServer) -> None:
    server.route("/go", redirect("http://[::1/broken"))
    with pytest.raises(FetchError) as info:
        client_for(server).get(server.url("/go"))
    assert info.value.code == "invalid_url"


def test_it_parses_the_allowed_targets_setting() -> None:
    value = " 127.0.0.1:8123, LocalHost:8123 ,, [::1]:9000 ,"
    assert parse_allowed_targets(value) == frozenset(
        {"127.0.0.1:8123", "localhost:8123", "[::1]:9000"}
    )


def test_it_treats_an_empty_allowed_targets_setting_as_nothing_allowed() -> None:
    assert parse_allowed_targets("") == frozenset()
    assert parse_allowed_targets(" , ") == frozenset()


@pytest.mark.parametrize(
    "value", ["127.0.0.1", "localhost", "example.com:http", "::1:80", "h:70000"]
)
def test_it_rejects_allowed_targets_without_a_valid_port(value: str) -> None:
    with pytest.raises(ValueError):
        parse_allowed_targets(value)


# --------------------------------------------------------------------------- pinning / rebinding


def test_it_connects_to_the_address_it_checked_despite_dns_rebinding(
    server: LocalHTTPServer,
) -> None:
    calls: list[str] = []

    def rebinding_resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["169.254.169.254"]

    client = client_for(server, resolver=rebinding_resolver)
    result = client.get(f"http://rebind.test:{server.port}/")
    assert (result.status, result.body, result.ip) == (200, b"hello", "127.0.0.1")
    assert server.requests[0].headers["Host"] == f"rebind.test:{server.port}"
    assert calls == ["rebind.test"]


def test_it_checks_dns_again_on_every_redirect_hop(server: LocalHTTPServer) -> None:
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])
    server.route("/go", redirect(f"http://rebind.test:{server.port}/"))
    client = client_for(server, resolver=lambda host, port: next(answers))
    with pytest.raises(BlockedAddress):
        client.get(f"http://rebind.test:{server.port}/go")
    assert [r.path for r in server.requests] == ["/go"]


def test_it_tries_the_next_approved_address_when_one_refuses(server: LocalHTTPServer) -> None:
    client = client_for(
        server,
        allowed_targets=[f"dual.test:{server.port}"],
        resolver=fixed_resolver({"dual.test": ["::1", "127.0.0.1"]}),
    )
    result = client.get(f"http://dual.test:{server.port}/")
    assert (result.status, result.ip) == (200, "127.0.0.1")


def test_it_fetches_from_an_allowed_ipv6_loopback_server() -> None:
    with LocalHTTPServer("::1") as server6:
        server6.route("/", Reply(200, "six"))
        result = client_for(server6).get(server6.url("/"))
    assert (result.body, result.ip) == (b"six", "::1")
    assert server6.requests[0].headers["Host"] == server6.authority


# --------------------------------------------------------------------------- redirects


def test_it_records_each_redirect_hop(server: LocalHTTPServer) -> None:
    server.route("/a", redirect("/b", 301))
    server.route("/b", redirect("/c", 302))
    server.route("/c", redirect("/", 307))
    result = client_for(server).get(server.url("/a"))
    assert [(h.url, h.status) for h in result.redirects] == [
        (server.url("/a"), 301),
        (server.url("/b"), 302),
        (server.url("/c"), 307),
    ]
    assert (result.url, result.final_url, result.body) == (
        server.url("/a"),
        server.url("/"),
        b"hello",
    )


def test_it_follows_up_to_five_redirects(server: LocalHTTPServer) -> None:
    for i in range(5):
        server.route(f"/r{i}", redirect(f"/r{i + 1}" if i < 4 else "/"))
    assert len(client_for(server).get(server.url("/r0")).redirects) == 5


def test_it_gives_up_after_too_many_redirects(server: LocalHTTPServer) -> None:
    for i in range(6):
        server.route(f"/r{i}", redirect(f"/r{i + 1}" if i < 5 else "/"))
    with pytest.raises(FetchError) as info:
        client_for(server).get(server.url("/r0"))
    assert info.value.code == "too_many_redirects"
    assert "/" not in [r.path for r in server.requests]


def test_it_resolves_relative_locations_against_the_current_url(server: LocalHTTPServer) -> None:
    server.route("/docs/guide/start", redirect("../api/index?v=2#top"))
    server.route("/docs/api/index", Reply(200, "api"))
    result = client_for(server).get(server.url("/docs/guide/start"))
    assert result.final_url == server.url("/docs/api/index?v=2")
    assert server.requests[-1].path == "/docs/api/index?v=2"


def test_it_returns_the_redirect_itself_when_not_following(server: LocalHTTPServer) -> None:
    server.route("/go", redirect("/"))
    result = client_for(server).get(server.url("/go"), follow_redirects=False)
    assert (result.status, result.headers["location"], result.redirects) == (302, "/", [])
    assert len(server.requests) == 1


def test_it_does_not_read_redirect_bodies(server: LocalHTTPServer) -> None:
    def endless_redirect(req):  # type: ignore[no-untyped-def]
        req.send_response(302)
        req.send_header("Location", "/")
        req.send_header("Content-Length", str(10**9))
        req.end_headers()
        req.wfile.write(b"x" * 1024)
        req.wfile.flush()
        time.sleep(3)  # a body that never finishes
        req.close_connection = True

    server.route("/go", endless_redirect)
    started = time.monotonic()
    result = client_for(server, read_timeout=5.0).get(server.url("/go"))
    assert result.body == b"hello"
    assert time.monotonic() - started < 2


def test_it_drops_credentials_when_redirected_to_another_origin(
    server: LocalHTTPServer, other_server: LocalHTTPServer
) -> None:
    server.route("/login", redirect(other_server.url("/landing")))
    client = client_for(server, other_server)
    client.get(server.url("/login"), auth=("alice", "s3cret"))
    assert server.requests[0].headers["Authorization"].startswith("Basic ")
    assert "Authorization" not in other_server.requests[0].headers


# --------------------------------------------------------------------------- size caps


def test_it_refuses_a_body_whose_declared_length_exceeds_the_cap(server: LocalHTTPServer) -> None:
    def huge_promise(req):  # type: ignore[no-untyped-def]
        req.send_response(200)
        req.send_header("Content-Length", str(10**9))
        req.end_headers()
        req.wfile.write(b"x" * 100)
        req.wfile.flush()
        time.sleep(3)
        req.close_connection = True

    server.route("/big", huge_promise)
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        client_for(server, max_bytes=1000).get(server.url("/big"))
    assert info.value.code == "too_large"
    assert time.monotonic() - started < 2


def test_it_caps_a_chunked_body_without_length(server: LocalHTTPServer) -> None:
    server.route("/big", Reply(200, b"x" * 50_000, chunked=True))
    with pytest.raises(FetchError) as info:
        client_for(server, max_bytes=10_000).get(server.url("/big"))
    assert info.value.code == "too_large"


def test_it_accepts_a_body_exactly_at_the_cap(server: LocalHTTPServer) -> None:
    server.route("/exact", Reply(200, b"x" * 10_000, chunked=True))
    assert len(client_for(server, max_bytes=10_000).get(server.url("/exact")).body) == 10_000


def test_with_truncate_it_keeps_the_first_bytes_and_stops_reading(
    server: LocalHTTPServer,
) -> None:
    def huge(req):  # type: ignore[no-untyped-def]
        req.send_response(200)
        req.send_header("Content-Length", str(10**9))
        req.end_headers()
        req.wfile.write(b"a" * 3000)
        req.wfile.flush()
        time.sleep(3)  # the rest never comes: the client must not wait for it
        req.close_connection = True

    server.route("/big", huge)
    server.route("/small", Reply(200, b"ok"))
    client = client_for(server, max_bytes=1000, truncate=True)
    started = time.monotonic()
    result = client.get(server.url("/big"))
    assert (result.status, result.body, result.truncated) == (200, b"a" * 1000, True)
    assert time.monotonic() - started < 2
    small = client.get(server.url("/small"))  # the cut connection is not reused half-read
    assert (small.body, small.truncated) == (b"ok", False)


def test_it_decodes_compressed_bodies(server: LocalHTTPServer) -> None:
    server.route("/gz", Reply(200, gzip.compress(b"<p>zipped</p>"), {"Content-Encoding": "gzip"}))
    result = client_for(server).get(server.url("/gz"))
    assert result.body == b"<p>zipped</p>"
    assert "br" in server.requests[0].headers["Accept-Encoding"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_it_stops_a_decompression_bomb_at_the_cap(
    encoding: str, bombs: dict[str, bytes], server: LocalHTTPServer
) -> None:
    server.route("/bomb", Reply(200, bombs[encoding], {"Content-Encoding": encoding}))
    client = client_for(server, max_bytes=1024 * 1024)
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as info:
            client.get(server.url("/bomb"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == "too_large"
    assert peak < 16 * 1024 * 1024, f"peak {peak} bytes while inflating a 50 MiB bomb"
    assert time.monotonic() - started < 5


# --------------------------------------------------------------------------- time limits


def test_it_times_out_when_the_server_is_slow_to_answer(server: LocalHTTPServer) -> None:
    def slow(req):  # type: ignore[no-untyped-def]
        time.sleep(2)
        return Reply(200, "late")

    server.route("/slow", slow)
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        client_for(server, read_timeout=0.5).get(server.url("/slow"))
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 1.5


def _trickle(data: bytes, pause: float) -> Callable[..., None]:
    def handler(req):  # type: ignore[no-untyped-def]
        req.close_connection = True
        try:
            for i in range(len(data)):
                req.wfile.write(data[i : i + 1])
                req.wfile.flush()
                time.sleep(pause)
        except OSError:
            pass  # the client hung up, as it should

    return handler


def test_it_enforces_the_total_deadline_on_a_trickling_body(server: LocalHTTPServer) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"

    def handler(req):  # type: ignore[no-untyped-def]
        req.wfile.write(head)
        _trickle(b"y" * 100, 0.05)(req)

    server.route("/drip", handler)
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        client_for(server, read_timeout=2.0, total_timeout=0.8).get(server.url("/drip"))
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 1.6


def test_it_enforces_the_total_deadline_while_headers_trickle(server: LocalHTTPServer) -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"z" * 200 + b"\r\n\r\n"
    server.route("/drip", _trickle(head, 0.05))
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        client_for(server, read_timeout=2.0, total_timeout=0.8).get(server.url("/drip"))
    assert info.value.code == "timeout"
    assert time.monotonic() - started < 1.6


def _until(predicate: Callable[[], bool], within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def test_the_watchdog_fires_an_earlier_deadline_registered_after_a_later_one() -> None:
    """All watchdogs share one scheduler thread: a short deadline added while that
    thread sleeps towards a long one must wake it; cancelled ones never fire."""
    late = Watchdog(60.0)
    cancelled = Watchdog(0.05)
    cancelled.cancel()
    early = Watchdog(0.2)
    left, right = socket.socketpair()
    try:

        class Conn:
            sock = left

        early.attach(Conn())
        assert _until(lambda: early.fired)
        assert right.recv(1) == b""  # the watched socket was shut down: the peer sees EOF
        with pytest.raises(TimeoutError):
            early.check()
        assert not late.fired
        assert not cancelled.fired
    finally:
        late.cancel()
        left.close()
        right.close()


# --------------------------------------------------------------------------- environment, errors, misc


def test_it_ignores_proxy_environment_variables(
    server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{closed_port()}"
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.setenv(name, dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert client_for(server).get(server.url("/")).status == 200


def test_it_ignores_netrc_credentials(
    server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login mallory password leaked\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    client_for(server).get(server.url("/"))
    assert "Authorization" not in server.requests[0].headers


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_it_returns_non_2xx_statuses_as_results(status: int, server: LocalHTTPServer) -> None:
    server.route("/err", Reply(status, "nope"))
    result = client_for(server).get(server.url("/err"))
    assert (result.status, result.body) == (status, b"nope")


def test_it_reports_a_refused_connection_as_connection() -> None:
    port = closed_port()
    with pytest.raises(FetchError) as info:
        GuardedClient(allowed_targets=[f"127.0.0.1:{port}"]).get(f"http://127.0.0.1:{port}/")
    assert info.value.code == "connection"


def test_it_reports_a_truncated_body_as_connection(server: LocalHTTPServer) -> None:
    def truncated(req):  # type: ignore[no-untyped-def]
        req.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-ten!!")
        req.close_connection = True

    server.route("/cut", truncated)
    with pytest.raises(FetchError) as info:
        client_for(server).get(server.url("/cut"))
    assert info.value.code == "connection"


def test_it_reports_an_undecodable_body_as_bad_response(server: LocalHTTPServer) -> None:
    server.route("/gz", Reply(200, b"definitely not gzip", {"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError) as info:
        client_for(server).get(server.url("/gz"))
    assert info.value.code == "bad_response"


def test_it_posts_a_body_without_following_redirects(server: LocalHTTPServer) -> None:
    server.route("/hook", redirect("/elsewhere", 307))
    result = client_for(server).post(
        server.url("/hook"), body=b'{"ok": true}', headers={"Content-Type": "application/json"}
    )
    assert result.status == 307
    assert [(r.method, r.path, r.body) for r in server.requests] == [
        ("POST", "/hook", b'{"ok": true}')
    ]


def test_it_does_not_let_callers_override_the_host_header(server: LocalHTTPServer) -> None:
    client_for(server).get(server.url("/"), headers={"Host": "internal.admin", "X-Test": "1"})
    sent = server.requests[0].headers
    assert (sent["Host"], sent["X-Test"]) == (server.authority, "1")


def test_it_reuses_keep_alive_connections(server: LocalHTTPServer) -> None:
    ports: list[int] = []

    def who(req):  # type: ignore[no-untyped-def]
        ports.append(req.client_address[1])
        return Reply(200, "ok")

    server.route("/who", who)
    with client_for(server) as client:
        client.get(server.url("/who"))
        client.get(server.url("/who"))
    assert len(ports) == 2 and ports[0] == ports[1]


def test_it_serves_concurrent_requests_from_one_client(server: LocalHTTPServer) -> None:
    def echo(req):  # type: ignore[no-untyped-def]
        time.sleep(0.05)
        return Reply(200, req.path)

    server.route("*", echo)
    results: dict[int, bytes] = {}
    with client_for(server) as client:

        def fetch(i: int) -> None:
            results[i] = client.get(server.url(f"/p{i}")).body

        threads = [threading.Thread(target=fetch, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
    assert results == {i: f"/p{i}".encode() for i in range(8)}


# --------------------------------------------------------------------------- TLS


def _make_tls_files(tmp_path: Path, hostname: str) -> tuple[str, str, str]:
    """(ca.pem, leaf.pem, leaf.key) for a throwaway CA that signed a cert for ``hostname``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject: str, issuer: x509.Name | None, key, signer, *, ca: bool, san: str | None):  # type: ignore[no-untyped-def]
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            ).add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
        if san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("Sitelens Test CA", None, ca_key, ca_key, ca=True, san=None)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = build(hostname, ca_cert.subject, leaf_key, ca_key, ca=False, san=hostname)

    ca_path, cert_path, key_path = (tmp_path / n for n in ("ca.pem", "leaf.pem", "leaf.key"))
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(ca_path), str(cert_path), str(key_path)


class _TLSServer:
    """One-shot TLS server on 127.0.0.1 that records the SNI name and answers 200."""

    def __init__(self, cert: str, key: str) -> None:
        self.sni: list[str | None] = []
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.context.sni_callback = lambda sslsock, name, ctx: self.sni.append(name)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(5)
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(65536)
                tls.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure"
                )
        except (OSError, ssl.SSLError):
            pass  # the client rejected our certificate

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=5)


def test_it_verifies_tls_against_the_hostname_while_connecting_to_the_pinned_ip(
    tmp_path: Path,
) -> None:
    ca, cert, key = _make_tls_files(tmp_path, "secure.test")
    tls = _TLSServer(cert, key)
    try:
        client = GuardedClient(
            allowed_targets=[f"127.0.0.1:{tls.port}"],
            resolver=fixed_resolver({"secure.test": ["127.0.0.1"]}),
            ca_certs=ca,
            connect_timeout=2,
            read_timeout=2,
        )
        result = client.get(f"https://secure.test:{tls.port}/")
    finally:
        tls.close()
    assert (result.status, result.body, result.ip) == (200, b"secure", "127.0.0.1")
    assert tls.sni == ["secure.test"]


def test_it_rejects_a_certificate_for_another_hostname(tmp_path: Path) -> None:
    ca, cert, key = _make_tls_files(tmp_path, "other.test")
    tls = _TLSServer(cert, key)
    try:
        client = GuardedClient(
            allowed_targets=[f"127.0.0.1:{tls.port}"],
            resolver=fixed_resolver({"secure.test": ["127.0.0.1"]}),
            ca_certs=ca,
            connect_timeout=2,
            read_timeout=2,
        )
        with pytest.raises(FetchError) as info:
            client.get(f"https://secure.test:{tls.port}/")
    finally:
        tls.close()
    assert info.value.code == "tls"
