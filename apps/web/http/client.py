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

The rules live in one module each: ``addresses`` (which IPs are refused),
``hosts`` (URL syntax and host canonicalisation), ``targets`` (allow-list and
resolution), ``watchdog`` (the whole-request deadline) and this module, the client
itself and the only one that imports ``requests``.

Errors are always :class:`FetchError` with a machine ``code`` (stored on
``CrawledPage.error``); ``requests``/``urllib3`` exceptions never escape.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any, Self
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from apps.web.http import watchdog
from apps.web.http.errors import FetchError
from apps.web.http.targets import Approved, Resolver, approve, default_resolver, normalise_allowed
from apps.web.http.watchdog import Watchdog
from apps.web.types import (
    MAX_REDIRECTS,
    REDIRECT_STATUSES,
    CrawlOptions,
    FetchResult,
    RedirectHop,
)
from apps.web.urls import DEFAULT_PORTS, MAX_URL_LENGTH, header_text

__all__ = ["ACCEPT_ENCODING", "DEFAULT_USER_AGENT", "GuardedClient"]

#: Same string the crawler advertises by default, so robots.txt rules written
#: for our bot match whichever code path fetched them.
DEFAULT_USER_AGENT: str = CrawlOptions.user_agent
#: Only encodings whose decoders we know to be bounded (see ``_read_body``).
ACCEPT_ENCODING = "gzip, deflate, br"
_CHUNK = 64 * 1024


# --------------------------------------------------------------------------- deadline hooks

class _WatchedMixin:
    """Registers the connection with the current request's watchdog."""

    def connect(self) -> None:
        watch: Watchdog | None = getattr(watchdog.current, "watch", None)
        if watch is not None:
            watch.attach(self)  # type: ignore[arg-type]
        super().connect()  # type: ignore[misc]
        if watch is not None:
            watch.check()

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch: Watchdog | None = getattr(watchdog.current, "watch", None)
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
        truncate: bool = False,
        max_redirects: int = MAX_REDIRECTS,
        max_url_length: int = MAX_URL_LENGTH,
        resolver: Resolver | None = None,
        ca_certs: str | None = None,
    ) -> None:
        """``ca_certs`` is a CA bundle path for private deployments (and TLS tests);
        None uses the bundle requests ships with. Verification is never disabled.
        A body over ``max_bytes`` is a ``too_large`` FetchError, or, with ``truncate``,
        its first ``max_bytes`` (the result says ``truncated``; the rest is not read)."""
        self.allowed_targets = normalise_allowed(allowed_targets)
        self.user_agent = user_agent
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.total_timeout = float(total_timeout)
        self.max_bytes = int(max_bytes)
        self.truncate = bool(truncate)
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

    def head(
        self, url: str, *, headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        """HEAD ``url``, following redirects (status and headers; no body)."""
        return self._fetch("HEAD", url, headers=headers, body=None, auth=None, follow=True)

    def post(
        self, url: str, *, body: bytes, headers: Mapping[str, str] | None = None
    ) -> FetchResult:
        """POST ``body`` without following redirects (a webhook must not bounce elsewhere)."""
        return self._fetch("POST", url, headers=headers, body=bytes(body), auth=None, follow=False)

    def validate(self, url: str) -> str:
        """:func:`validate_target` with this client's allow-list and resolver."""
        return approve(
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
            approved = approve(
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
                        target = urljoin(current, header_text(location).strip())
                        target = urlunsplit(urlsplit(target)._replace(fragment=""))
                    except ValueError as exc:
                        raise FetchError(
                            "invalid_url", f"unusable redirect Location {location!r}", url=url
                        ) from exc
                    if _origin(target) != _origin(current):
                        # The caller's headers and credentials were meant for one origin
                        # (a site credential may be any header); another origin gets none.
                        auth = None
                        extra = {}
                    if resp.status_code == 303 or (
                        resp.status_code in (301, 302) and method == "POST"
                    ):
                        method, body = "GET", None
                    current = target
                    continue  # the redirect body is never read; `finally` closes it
                # A HEAD response has no body, whatever its Content-Length says.
                data, truncated = (b"", False) if method == "HEAD" else self._read_body(
                    resp, deadline, watch, current)
                fully_read = not truncated
                return FetchResult(
                    url=url,
                    final_url=current,
                    status=resp.status_code,
                    headers={k.lower(): v for k, v in resp.headers.items()},
                    body=data,
                    redirects=hops,
                    elapsed_ms=int((time.monotonic() - started) * 1000),
                    ip=ip,
                    header_lines=list(resp.raw.headers.items()),
                    truncated=truncated,
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
        approved: Approved,
        headers: dict[str, str],
        body: bytes | None,
        auth: tuple[str, str] | None,
        deadline: float,
        url: str,
    ) -> tuple[requests.Response, str, Watchdog]:
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
            watch = Watchdog(remaining)
            watchdog.current.watch = watch
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
                watchdog.current.watch = None
            return resp, ip, watch
        raise AssertionError("unreachable: approved targets always have an address")

    def _read_body(
        self, resp: requests.Response, deadline: float, watch: Watchdog, url: str
    ) -> tuple[bytes, bool]:
        """Stream and decode the body, stopping as soon as it exceeds ``max_bytes``;
        the body and whether it was cut there (only with ``truncate``).

        urllib3 (>= 2.6) bounds each decompression step by the amount asked
        for, so reading ``cap - len(buf) + 1`` decoded bytes at a time keeps
        memory at about ``max_bytes`` even for a gzip/deflate/brotli bomb.
        """
        declared = resp.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self.max_bytes and not self.truncate:
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
                if len(buf) > self.max_bytes and self.truncate:
                    return bytes(buf[: self.max_bytes]), True
                if len(buf) > self.max_bytes:
                    raise FetchError("too_large", f"body exceeds {self.max_bytes} bytes", url=url)
        except FetchError:
            raise
        except Exception as exc:
            raise self._map_error(exc, watch, deadline, url) from exc
        if watch.fired:
            raise FetchError("timeout", f"gave up after {self.total_timeout:g}s", url=url)
        return bytes(buf), False

    def _map_error(
        self, exc: BaseException, watch: Watchdog, deadline: float, url: str
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
