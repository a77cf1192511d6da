"""The guarded HTTP client: the only place in Sitelens that imports ``requests``.

Sitelens fetches URLs that users type in (and URLs found on their pages, and
robots.txt/sitemaps, and later webhook targets). Every one of those is an
attacker-controlled request from inside our network, so this module is the
server-side-request-forgery boundary. Keeping it in one module means there is
exactly one place to review, and callers cannot "just use requests" and
forget a check.

The rules, and why each exists:

* **Only http/https, no userinfo, bounded length.** Other schemes reach local
  files or odd protocol handlers; ``http://example.com@127.0.0.1/`` is a
  classic parser-confusion trick where humans and parsers disagree on the host.
* **Hosts are canonicalised before any decision.** Full-width digits, IDNA and
  legacy numeric forms (``2130706433``, ``0x7f000001``, ``0177.0.0.1``,
  ``127.1``) are turned into the form the network stack will actually use, so
  the address check sees what the socket will see.
* **Resolve once, check every address, connect to the checked address.** A
  second DNS lookup at connect time is what DNS-rebinding attacks exploit, so
  the resolved IP is pinned into the connection pool; the Host header, SNI and
  certificate verification still use the hostname.
* **Every redirect hop goes through the same checks.** A public page that
  redirects to ``http://169.254.169.254/`` must fail exactly like a direct
  request would. We never let ``requests`` follow (or even peek at) redirects.
* **Bounded time and memory.** Per-socket timeouts do not bound a server that
  trickles one byte per second, and a 50 KiB gzip body can inflate to gigabytes;
  a watchdog enforces the whole-request deadline and the body cap is applied to
  *decoded* bytes while streaming.
* **Environment is ignored.** ``HTTP(S)_PROXY``/``NO_PROXY``/``.netrc`` would
  route or authenticate our requests in ways the checks above did not approve.

Errors are always :class:`FetchError` with a machine ``code`` (stored on
``CrawledPage.error``); ``requests``/``urllib3`` exceptions never escape.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any, NamedTuple, Self
from urllib.parse import urljoin, urlsplit, urlunsplit

import idna
import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from apps.jobs.crawler.types import CrawlOptions, FetchResult, RedirectHop

__all__ = [
    "DEFAULT_USER_AGENT",
    "MAX_URL_LENGTH",
    "BlockedAddress",
    "CheckedUrl",
    "FetchError",
    "GuardedClient",
    "Resolver",
    "blocked_reason",
    "check_url",
    "default_resolver",
    "parse_allowed_targets",
    "validate_target",
]

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Same string the crawler advertises by default, so robots.txt rules written
#: for our bot match whichever code path fetched them.
DEFAULT_USER_AGENT: str = CrawlOptions.user_agent
#: The historical IE limit; longer "URLs" are almost always junk or an attack.
MAX_URL_LENGTH = 2083
DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Only encodings whose decoders we know to be bounded (see ``_read_body``).
ACCEPT_ENCODING = "gzip, deflate, br"
_CHUNK = 64 * 1024


# --------------------------------------------------------------------------- errors


class FetchError(Exception):
    """A request that was refused or failed; ``code`` is for machines, str() for humans.

    Codes: ``invalid_url``, ``bad_scheme``, ``url_too_long``, ``dns``,
    ``blocked_address``, ``timeout``, ``too_large``, ``too_many_redirects``,
    ``connection``, ``tls`` (certificate/handshake failure) and ``bad_response``
    (undecodable or malformed response).
    """

    def __init__(self, code: str, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.url = url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class BlockedAddress(FetchError):
    """The target resolves to an address we must never connect to."""

    def __init__(self, message: str, *, url: str | None = None, address: str = "") -> None:
        super().__init__("blocked_address", message, url=url)
        self.address = address


# --------------------------------------------------------------------------- addresses

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Spelled out instead of relying only on ``is_global``: the stdlib's tables have
# changed between patch releases (3.11.7 calls 192.0.0.192, 224.0.0.1, fec0::/10,
# 2002::/16 and 64:ff9b::/96 "global"), and this list must not move under us.
_BLOCKED_V4: tuple[tuple[_V4, str], ...] = tuple(
    (_V4(net), why)
    for net, why in (
        ("0.0.0.0/8", "this-network/unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignments"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay anycast"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    )
)
_BLOCKED_V6: tuple[tuple[_V6, str], ...] = tuple(
    (_V6(net), why)
    for net, why in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible"),
        ("::ffff:0:0/96", "IPv4-mapped"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("100::/64", "discard-only"),
        ("2001::/23", "IETF protocol assignments"),  # includes Teredo 2001::/32
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "SRv6 SIDs"),
        ("fc00::/7", "unique-local"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)
#: Cloud instance-metadata endpoints: the prize in most real SSRF reports. They
#: are inside blocked ranges anyway (except Azure's wireserver, which is a public
#: address only reachable from inside Azure), but are named so an allow-list
#: entry for a *hostname* can never unlock them.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure IMDS, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
        "168.63.129.16",  # Azure wireserver
        "fd00:ec2::254",  # AWS IMDS over IPv6
    )
)
_NAT64 = _V6("64:ff9b::/96")
_IPV4_COMPAT = _V6("::/96")


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address can deliver packets to.

    Mapped, compatible, NAT64, 6to4 and Teredo addresses all end up talking to
    an IPv4 host on suitably configured networks, so ``[::ffff:127.0.0.1]`` must
    be judged as 127.0.0.1.
    """
    found: list[ipaddress.IPv4Address] = []
    if addr.ipv4_mapped is not None:
        found.append(addr.ipv4_mapped)
    if addr.sixtofour is not None:
        found.append(addr.sixtofour)
    if addr.teredo is not None:
        found.extend(addr.teredo)  # (server, client) - the client part is de-obfuscated
    if addr in _NAT64 or (addr in _IPV4_COMPAT and int(addr) > 1):
        found.append(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    return found


def blocked_reason(address: str | IPAddress) -> str | None:
    """Why ``address`` must not be connected to, or None if it is publicly routable.

    Exposed so other validation (webhook targets, admin checks) can explain a
    refusal with the same vocabulary the client uses.
    """
    if isinstance(address, str):
        try:
            addr: IPAddress = ipaddress.ip_address(address)
        except ValueError:
            return "not an IP address"
    else:
        addr = address
    if isinstance(addr, ipaddress.IPv6Address) and addr.scope_id:
        addr = ipaddress.IPv6Address(addr.compressed.split("%", 1)[0])
    if addr in METADATA_ADDRESSES:
        return "cloud metadata endpoint"
    if isinstance(addr, ipaddress.IPv6Address):
        # Judge the IPv4 host an IPv6 form leads to first: it is the better explanation.
        for inner in _embedded_ipv4(addr):
            inner_reason = blocked_reason(inner)
            if inner_reason:
                return f"embeds {inner} ({inner_reason})"
        if addr.is_site_local:
            return "site-local"
    table = _BLOCKED_V4 if addr.version == 4 else _BLOCKED_V6
    for net, why in table:
        if addr in net:
            return why
    # Belt and braces on top of our table: anything the stdlib knows to be special.
    if (
        addr.is_loopback
        or addr.is_private
        or addr.is_link_local
        or addr.is_multicast
        or addr.is_reserved
        or addr.is_unspecified
        or not addr.is_global
    ):
        return "not globally routable"
    return None


def _is_metadata(addr: IPAddress) -> bool:
    if addr in METADATA_ADDRESSES:
        return True
    return isinstance(addr, ipaddress.IPv6Address) and any(
        inner in METADATA_ADDRESSES for inner in _embedded_ipv4(addr)
    )


# --------------------------------------------------------------------------- hosts and URLs

_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_NUMERIC_LABEL = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NETLOC_BAD = re.compile(r"[\x00-\x20\x7f\\]")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def _parse_legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """inet_aton-style parse (WHATWG URL "IPv4 parser"): ``127.1``, ``0x7f.1``, ``2130706433``.

    Browsers and libc both accept these, so we must too - but we turn them into
    the canonical address *ourselves* instead of trusting that a resolver does.
    Returns None if ``host`` is not such a number.
    """
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if not _NUMERIC_LABEL.match(part):
            return None
        if part[:2].lower() == "0x":
            numbers.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            if not set(part) <= set("01234567"):
                return None
            numbers.append(int(part, 8))
        else:
            numbers.append(int(part, 10))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = numbers[-1]
    for i, n in enumerate(numbers[:-1]):
        value += n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _canonical_host(raw: str) -> tuple[str, IPAddress | None]:
    """(canonical ASCII host, address if the host is an IP literal); ValueError if invalid.

    The order matters: NFKC/IDNA first (so ``１２７.０.０.１`` becomes
    ``127.0.0.1``), *then* the numeric check, so that no spelling of an address
    ever reaches the resolver or the blocklist as a "name".
    """
    host = raw.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        inner = host[1:-1]
        if "%" in inner:
            raise ValueError("IPv6 zone identifiers are not allowed")
        addr6 = ipaddress.IPv6Address(inner)
        return addr6.compressed, addr6
    if not host:
        raise ValueError("empty host")
    if not host.isascii():
        host = unicodedata.normalize("NFKC", host).translate(_DOTS).lower()
        if not host.isascii():
            try:
                host = idna.encode(host, uts46=True).decode("ascii").lower()
            except idna.IDNAError as exc:
                raise ValueError(f"invalid international host name: {exc}") from exc
    host = host.removesuffix(".")
    if ":" in host:
        addr6 = ipaddress.IPv6Address(host)  # unbracketed only reachable via NFKC tricks
        return addr6.compressed, addr6
    labels = host.split(".")
    if labels and _NUMERIC_LABEL.match(labels[-1]):
        # WHATWG: a host ending in a numeric label is an IPv4 address or invalid.
        addr4 = _parse_legacy_ipv4(host)
        if addr4 is None:
            raise ValueError(f"malformed IPv4 address {raw!r}")
        return str(addr4), addr4
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"invalid host name {raw!r}")
    return host, None


def _target_key(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class CheckedUrl(NamedTuple):
    """``(scheme, host, port)`` of a syntactically acceptable http(s) URL.

    ``host`` is canonical: lower-case ASCII (IDNA), IPv4 as a dotted quad (even
    if written ``0x7f000001``), IPv6 compressed and without brackets. ``port``
    is explicit or the scheme default.
    """

    scheme: str
    host: str
    port: int

    @property
    def ip(self) -> IPAddress | None:
        """The address when the host is an IP literal (canonical hosts make this unambiguous)."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None

    @property
    def authority(self) -> str:
        """Host header value: bracketed IPv6, port only when not the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def target(self) -> str:
        """``host:port`` as written in ``SITELENS_ALLOWED_TARGETS``."""
        return _target_key(self.host, self.port)


def _split_checked(url: str, max_length: int) -> tuple[CheckedUrl, str]:
    """check_url() plus the URL to put on the wire (canonical host, no fragment)."""
    if not isinstance(url, str) or not url.strip():
        raise FetchError("invalid_url", "URL must be a non-empty string", url=str(url))
    url = url.strip()
    if len(url) > max_length:
        raise FetchError("url_too_long", f"URL is longer than {max_length} characters", url=url)
    if _URL_CONTROL.search(url):
        # urlsplit silently deletes tabs/newlines; we would rather not guess.
        raise FetchError("invalid_url", "URL contains control characters", url=url)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchError("invalid_url", f"malformed URL: {exc}", url=url) from exc
    scheme = parts.scheme.lower()
    if not scheme:
        raise FetchError("invalid_url", "URL has no scheme (expected http:// or https://)", url=url)
    if scheme not in DEFAULT_PORTS:
        raise FetchError(
            "bad_scheme", f"scheme {scheme!r} is not allowed (http/https only)", url=url
        )
    netloc = parts.netloc
    if not netloc:
        raise FetchError("invalid_url", "URL has no host", url=url)
    if "@" in netloc:
        raise FetchError("invalid_url", "URLs with user info (user@host) are not allowed", url=url)
    if _NETLOC_BAD.search(netloc):
        # Browsers read a backslash as "/", so "http://a.com\@127.0.0.1" names different hosts
        # to different parsers; refuse rather than pick one.
        raise FetchError("invalid_url", "host part contains spaces or backslashes", url=url)
    try:
        port = parts.port
    except ValueError as exc:
        raise FetchError("invalid_url", f"invalid port: {exc}", url=url) from exc
    if port == 0:
        raise FetchError("invalid_url", "port 0 is not allowed", url=url)
    raw_host = netloc.rsplit(":", 1)[0] if not netloc.endswith("]") and ":" in netloc else netloc
    if "%" in raw_host:
        raise FetchError("invalid_url", "percent-encoded host names are not allowed", url=url)
    try:
        host, _ip = _canonical_host(raw_host)
    except ValueError as exc:
        raise FetchError("invalid_url", f"invalid host: {exc}", url=url) from exc
    checked = CheckedUrl(scheme=scheme, host=host, port=port or DEFAULT_PORTS[scheme])
    wire = urlunsplit((scheme, checked.authority, parts.path or "/", parts.query, ""))
    return checked, wire


def check_url(url: str, *, max_length: int = MAX_URL_LENGTH) -> CheckedUrl:
    """Syntax and policy checks that need no network; raises FetchError.

    Returns ``(scheme, host, port)``. Does not resolve or judge the address -
    see :func:`validate_target` for that.
    """
    return _split_checked(url, max_length)[0]


# --------------------------------------------------------------------------- allow-list


def _parse_target(entry: str) -> str:
    """Canonical ``host:port`` key for one allow-list entry; ValueError if malformed."""
    text = entry.strip().lower()
    host, sep, port_text = text.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"allowed target {entry!r} must be host:port (IPv6 as [addr]:port)")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"allowed target {entry!r} has an invalid port")
    if ":" in host and not (host.startswith("[") and host.endswith("]")):
        raise ValueError(f"allowed target {entry!r}: write IPv6 addresses as [addr]:port")
    canonical, _ip = _canonical_host(host)
    return _target_key(canonical, port)


def parse_allowed_targets(value: str) -> frozenset[str]:
    """Parse ``SITELENS_ALLOWED_TARGETS`` (comma-separated ``host:port``).

    A port is mandatory so that allowing a local demo server never also opens
    every other service on that host. Blank entries are ignored so a trailing
    comma or an empty variable is harmless.
    """
    return frozenset(_parse_target(item) for item in (value or "").split(",") if item.strip())


def _normalise_allowed(allowed_targets: Iterable[str]) -> frozenset[str]:
    if isinstance(allowed_targets, str):
        return parse_allowed_targets(allowed_targets)
    return frozenset(_parse_target(item) for item in allowed_targets if item and item.strip())


# --------------------------------------------------------------------------- resolution


def default_resolver(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (getaddrinfo order); [] if it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    seen: dict[str, None] = {}
    for family, _type, _proto, _canon, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


@dataclass(frozen=True)
class _Approved:
    """A URL that passed every check, with the addresses we may connect to (in order)."""

    checked: CheckedUrl
    wire_url: str  # canonical host, no fragment: what requests is given
    addresses: tuple[str, ...]


def _approve(
    url: str,
    *,
    allowed: frozenset[str],
    resolver: Resolver,
    max_length: int = MAX_URL_LENGTH,
) -> _Approved:
    checked, wire_url = _split_checked(url, max_length)
    literal = checked.ip
    if literal is not None:
        # Literal (after canonicalisation): never ask a resolver what "127.1" means.
        addresses: list[IPAddress] = [literal]
    else:
        try:
            answers = resolver(checked.host, checked.port)
        except OSError:
            answers = []
        if not answers:
            raise FetchError("dns", f"could not resolve host {checked.host!r}", url=url)
        addresses = []
        for answer in answers:
            try:
                addresses.append(ipaddress.ip_address(str(answer).split("%", 1)[0]))
            except ValueError as exc:
                raise FetchError(
                    "dns", f"resolver returned a non-address {answer!r}", url=url
                ) from exc

    host_allowed = checked.target in allowed
    for addr in addresses:
        if _target_key(addr.compressed, checked.port) in allowed:
            continue  # exact ip:port opt-in, e.g. the local test server
        reason = blocked_reason(addr)
        if reason is None:
            continue
        if host_allowed and not _is_metadata(addr):
            continue  # e.g. localhost:8123 -> 127.0.0.1 for the offline demo
        raise BlockedAddress(
            f"{checked.host} resolves to {addr} ({reason}); refusing to connect",
            url=url,
            address=str(addr),
        )
    return _Approved(
        checked=checked, wire_url=wire_url, addresses=tuple(a.compressed for a in addresses)
    )


def validate_target(
    url: str,
    *,
    allowed_targets: Iterable[str] = (),
    resolver: Resolver | None = None,
    max_url_length: int = MAX_URL_LENGTH,
) -> str:
    """Run every pre-connection check and return the address a fetch would use.

    For API input validation ("is this a URL we would crawl?") without sending
    anything. Raises FetchError. A real fetch re-checks, since DNS can change.
    """
    approved = _approve(
        url,
        allowed=_normalise_allowed(allowed_targets),
        resolver=resolver or default_resolver,
        max_length=max_url_length,
    )
    return approved.addresses[0]


# --------------------------------------------------------------------------- deadline watchdog

_current = threading.local()


class _Watchdog:
    """Kills the socket of one request when the whole-request deadline passes.

    Socket timeouts only bound a single ``recv``; a server that sends one header
    byte every few seconds would otherwise hold a worker forever. The watchdog
    learns the connection from the connection classes below (via a thread-local,
    because urllib3 picks the pooled connection deep inside ``urlopen``) and
    shuts the socket down at the deadline, which unblocks the reading thread.
    """

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._conn: HTTPConnection | None = None
        self._done = False
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def attach(self, conn: HTTPConnection) -> None:
        with self._lock:
            self._conn = conn
            if self.fired:
                raise TimeoutError("request deadline exceeded")

    def check(self) -> None:
        with self._lock:
            if self.fired:
                self._kill()
                raise TimeoutError("request deadline exceeded")

    def _kill(self) -> None:
        sock = getattr(self._conn, "sock", None)
        if sock is not None:
            try:
                # The plain-socket method, so TLS state is not torn down under
                # a reader that is still inside SSLSocket.read.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            self._kill()

    def cancel(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()


class _WatchedMixin:
    """Registers the connection with the current request's watchdog."""

    def connect(self) -> None:
        watch: _Watchdog | None = getattr(_current, "watch", None)
        if watch is not None:
            watch.attach(self)  # type: ignore[arg-type]
        super().connect()  # type: ignore[misc]
        if watch is not None:
            watch.check()

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch: _Watchdog | None = getattr(_current, "watch", None)
        if watch is not None:
            watch.attach(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_WatchedMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedMixin, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


# --------------------------------------------------------------------------- requests plumbing

_PIN_ATTR = "_sitelens_pin"


@dataclass(frozen=True)
class _Pin:
    """The approved address for one prepared request (carried on the request itself,
    so concurrent requests on one client cannot see each other's pins)."""

    ip: str
    hostname: str


class _PinnedAdapter(HTTPAdapter):
    """Connects to the pinned IP, never to whatever the URL's host resolves to now.

    The pool is keyed by IP *and* (for https) by the hostname used for SNI and
    certificate verification, so keep-alive connections are reused only for the
    same approved (hostname, address) pair. A request without a pin is refused:
    failing closed is the point.
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: Any,
        proxies: Any = None,
        cert: Any = None,
    ) -> HTTPConnectionPool:
        pin = getattr(request, _PIN_ATTR, None)
        if not isinstance(pin, _Pin):
            raise TypeError("GuardedClient: refusing to send a request without a pinned address")
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        host_params["host"] = pin.ip
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = pin.hostname
            pool_kwargs["assert_hostname"] = pin.hostname
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)

    def get_connection(self, url: str, proxies: Any = None) -> HTTPConnectionPool:
        raise RuntimeError("GuardedClient: unpinned connections are not allowed")

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise RuntimeError("GuardedClient: proxies are not allowed")


class _Session(requests.Session):
    """A Session that never looks at redirects.

    With ``allow_redirects=False`` requests still computes ``response.next``,
    and doing so reads the *entire* redirect body into memory (decoded) - an
    unbounded read we would not even notice. We follow redirects ourselves.
    """

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None


def _location(value: str) -> str:
    """Location header as the server meant it: http.client decodes latin-1, servers send UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


_TLS_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.SSLError,
    urllib3.exceptions.SSLError,
)
_TIMEOUT_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.Timeout,
    urllib3.exceptions.TimeoutError,
    TimeoutError,
)


def _is_connect_failure(exc: BaseException) -> bool:
    """True when no byte was exchanged, so trying the next address is safe."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


# --------------------------------------------------------------------------- the client


class GuardedClient:
    """HTTP client that only talks to approved, publicly routable addresses.

    One instance holds a connection pool and may be reused for many requests
    (the crawler keeps one per job). Per-request state lives on the prepared
    request and a thread-local, not on the instance, so concurrent use from
    several threads is fine. Cookies are never stored: fetches are stateless.
    """

    def __init__(
        self,
        *,
        allowed_targets: Iterable[str] = (),
        user_agent: str = DEFAULT_USER_AGENT,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        total_timeout: float = 60.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 5,
        max_url_length: int = MAX_URL_LENGTH,
        resolver: Resolver | None = None,
        ca_certs: str | None = None,
    ) -> None:
        """``ca_certs`` is a CA bundle path for private deployments (and TLS tests);
        None uses the bundle requests ships with. Verification is never disabled."""
        self.allowed_targets = _normalise_allowed(allowed_targets)
        self.user_agent = user_agent
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.total_timeout = float(total_timeout)
        self.max_bytes = int(max_bytes)
        self.max_redirects = int(max_redirects)
        self.max_url_length = int(max_url_length)
        self.resolver: Resolver = resolver or default_resolver
        self._verify: bool | str = ca_certs or True

        session = _Session()
        session.trust_env = False  # no *_PROXY, NO_PROXY, .netrc, REQUESTS_CA_BUNDLE
        session.proxies = {}
        session.cookies = RequestsCookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
        session.headers.clear()
        session.headers.update(
            {"User-Agent": user_agent, "Accept": "*/*", "Accept-Encoding": ACCEPT_ENCODING}
        )
        session.adapters.clear()
        adapter = _PinnedAdapter(max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self._session = session

    # -- public API ------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        follow_redirects: bool = True,
        auth: tuple[str, str] | None = None,
    ) -> FetchResult:
        """GET ``url``; non-2xx statuses are returned, failures raise FetchError."""
        return self._fetch(
            "GET", url, headers=headers, body=None, auth=auth, follow=follow_redirects
        )

    def post(
        self, url: str, *, body: bytes, headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        """POST ``body`` without following redirects (a webhook must not bounce elsewhere)."""
        return self._fetch("POST", url, headers=headers, body=bytes(body), auth=None, follow=False)

    def validate(self, url: str) -> str:
        """:func:`validate_target` with this client's allow-list and resolver."""
        return _approve(
            url,
            allowed=self.allowed_targets,
            resolver=self.resolver,
            max_length=self.max_url_length,
        ).addresses[0]

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------

    def _fetch(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        auth: tuple[str, str] | None,
        follow: bool,
    ) -> FetchResult:
        started = time.monotonic()
        deadline = started + self.total_timeout
        extra = {k: v for k, v in (headers or {}).items() if k.lower() != "host"}
        hops: list[RedirectHop] = []
        current = url
        while True:
            approved = _approve(
                current,
                allowed=self.allowed_targets,
                resolver=self.resolver,
                max_length=self.max_url_length,
            )
            resp, ip, watch = self._send(method, approved, extra, body, auth, deadline, current)
            fully_read = False
            try:
                location = resp.headers.get("location")
                if follow and resp.status_code in REDIRECT_STATUSES and location:
                    hops.append(RedirectHop(url=current, status=resp.status_code))
                    if len(hops) > self.max_redirects:
                        raise FetchError(
                            "too_many_redirects",
                            f"more than {self.max_redirects} redirects",
                            url=url,
                        )
                    try:
                        target = urljoin(current, _location(location).strip())
                        target = urlunsplit(urlsplit(target)._replace(fragment=""))
                    except ValueError as exc:
                        raise FetchError(
                            "invalid_url", f"unusable redirect Location {location!r}", url=url
                        ) from exc
                    if _origin(target) != _origin(current):
                        # Credentials were given for one origin; do not hand them to another.
                        auth = None
                        extra = {
                            k: v
                            for k, v in extra.items()
                            if k.lower() not in ("authorization", "cookie", "proxy-authorization")
                        }
                    if resp.status_code == 303 or (
                        resp.status_code in (301, 302) and method == "POST"
                    ):
                        method, body = "GET", None
                    current = target
                    continue  # the redirect body is never read; `finally` closes it
                data = self._read_body(resp, deadline, watch, current)
                fully_read = True
                return FetchResult(
                    url=url,
                    final_url=current,
                    status=resp.status_code,
                    headers={k.lower(): v for k, v in resp.headers.items()},
                    body=data,
                    redirects=hops,
                    elapsed_ms=int((time.monotonic() - started) * 1000),
                    ip=ip,
                )
            finally:
                watch.cancel()
                if fully_read and not watch.fired:
                    resp.raw.release_conn()  # keep-alive: the connection is clean
                else:
                    resp.close()

    def _send(
        self,
        method: str,
        approved: _Approved,
        headers: dict[str, str],
        body: bytes | None,
        auth: tuple[str, str] | None,
        deadline: float,
        url: str,
    ) -> tuple[requests.Response, str, _Watchdog]:
        """Send one request to the first approved address that accepts a connection."""
        checked = approved.checked
        try:
            prepared = self._session.prepare_request(
                requests.Request(method, approved.wire_url, headers=headers, data=body, auth=auth)
            )
        except (requests.RequestException, ValueError) as exc:
            raise FetchError("invalid_url", f"cannot build request: {exc}", url=url) from exc
        prepared.headers["Host"] = checked.authority
        last = len(approved.addresses) - 1
        for index, ip in enumerate(approved.addresses):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchError("timeout", f"gave up after {self.total_timeout:g}s", url=url)
            setattr(prepared, _PIN_ATTR, _Pin(ip=ip, hostname=checked.host))
            watch = _Watchdog(remaining)
            _current.watch = watch
            try:
                resp = self._session.send(
                    prepared,
                    stream=True,
                    allow_redirects=False,
                    timeout=(
                        min(self.connect_timeout, remaining),
                        min(self.read_timeout, remaining),
                    ),
                    verify=self._verify,
                    proxies={},
                )
            except Exception as exc:  # everything is mapped, nothing leaks
                watch.cancel()
                if index < last and not watch.fired and _is_connect_failure(exc):
                    continue
                raise self._map_error(exc, watch, deadline, url) from exc
            finally:
                _current.watch = None
            return resp, ip, watch
        raise AssertionError("unreachable: approved targets always have an address")

    def _read_body(
        self, resp: requests.Response, deadline: float, watch: _Watchdog, url: str
    ) -> bytes:
        """Stream and decode the body, stopping as soon as it exceeds ``max_bytes``.

        urllib3 (>= 2.6) bounds each decompression step by the amount asked
        for, so reading ``cap - len(buf) + 1`` decoded bytes at a time keeps
        memory at about ``max_bytes`` even for a gzip/deflate/brotli bomb.
        """
        declared = resp.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(
                "too_large", f"Content-Length {declared} exceeds {self.max_bytes} bytes", url=url
            )
        buf = bytearray()
        try:
            while True:
                if time.monotonic() >= deadline or watch.fired:
                    raise FetchError("timeout", f"gave up after {self.total_timeout:g}s", url=url)
                chunk = resp.raw.read(
                    min(_CHUNK, self.max_bytes - len(buf) + 1), decode_content=True
                )
                if not chunk:
                    break
                buf += chunk
                if len(buf) > self.max_bytes:
                    raise FetchError("too_large", f"body exceeds {self.max_bytes} bytes", url=url)
        except FetchError:
            raise
        except Exception as exc:
            raise self._map_error(exc, watch, deadline, url) from exc
        if watch.fired:
            raise FetchError("timeout", f"gave up after {self.total_timeout:g}s", url=url)
        return bytes(buf)

    def _map_error(
        self, exc: BaseException, watch: _Watchdog, deadline: float, url: str
    ) -> FetchError:
        """Translate library exceptions into FetchError codes (deadline first:
        a socket we shut down surfaces as a reset, but the cause is the timeout)."""
        if isinstance(exc, FetchError):
            return exc
        if watch.fired or time.monotonic() >= deadline:
            return FetchError("timeout", f"gave up after {self.total_timeout:g}s", url=url)
        if isinstance(exc, _TLS_ERRORS):
            return FetchError("tls", f"TLS error: {exc}", url=url)
        if isinstance(exc, _TIMEOUT_ERRORS):
            return FetchError("timeout", f"timed out: {exc}", url=url)
        if isinstance(
            exc,
            (
                urllib3.exceptions.DecodeError,
                requests.exceptions.ContentDecodingError,
                requests.exceptions.InvalidHeader,
            ),
        ):
            return FetchError("bad_response", f"could not decode the response: {exc}", url=url)
        if isinstance(exc, (requests.RequestException, urllib3.exceptions.HTTPError, OSError)):
            return FetchError("connection", f"connection failed: {exc}", url=url)
        return FetchError("connection", f"request failed: {type(exc).__name__}: {exc}", url=url)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or ""), port or DEFAULT_PORTS.get(scheme)
