"""URL canonicalisation for the guarded client: the host the socket will really reach.

Full-width digits, IDNA and legacy numeric forms (``2130706433``, ``0x7f000001``,
``0177.0.0.1``, ``127.1``) are turned into the form the network stack will use
*before* any decision, so no spelling of an address reaches the resolver or the
blocklist as a "name". Syntax only: nothing here resolves or connects.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

import idna

from apps.web.http.addresses import IPAddress
from apps.web.http.errors import FetchError
from apps.web.urls import DEFAULT_PORTS, MAX_URL_LENGTH

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


def canonical_host(raw: str) -> tuple[str, IPAddress | None]:
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


def target_key(host: str, port: int) -> str:
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
        return target_key(self.host, self.port)


def split_checked(url: str, max_length: int) -> tuple[CheckedUrl, str]:
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
        host, _ip = canonical_host(raw_host)
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
    return split_checked(url, max_length)[0]
