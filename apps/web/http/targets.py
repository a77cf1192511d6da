"""Allow-list and resolution: may this URL be fetched, and at which addresses?

Resolve once, judge every address the name resolves to, and hand the client the
addresses it may connect to, so that a second lookup at connect time (DNS
rebinding) never happens. ``SITELENS_ALLOWED_TARGETS`` opts single ``host:port``
pairs (tests, the offline demo) out of the address policy; never metadata endpoints.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from apps.web.http.addresses import IPAddress, blocked_reason, is_metadata
from apps.web.http.errors import BlockedAddress, FetchError
from apps.web.http.hosts import CheckedUrl, canonical_host, split_checked, target_key
from apps.web.urls import MAX_URL_LENGTH

Resolver = Callable[[str, int], list[str]]

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
    canonical, _ip = canonical_host(host)
    return target_key(canonical, port)


def parse_allowed_targets(value: str) -> frozenset[str]:
    """Parse ``SITELENS_ALLOWED_TARGETS`` (comma-separated ``host:port``).

    A port is mandatory so that allowing a local demo server never also opens
    every other service on that host. Blank entries are ignored so a trailing
    comma or an empty variable is harmless.
    """
    return frozenset(_parse_target(item) for item in (value or "").split(",") if item.strip())


def normalise_allowed(allowed_targets: Iterable[str]) -> frozenset[str]:
    if isinstance(allowed_targets, str):
        return parse_allowed_targets(allowed_targets)
    return frozenset(_parse_target(item) for item in allowed_targets if item and item.strip())




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
class Approved:
    """A URL that passed every check, with the addresses we may connect to (in order)."""

    checked: CheckedUrl
    wire_url: str  # canonical host, no fragment: what requests is given
    addresses: tuple[str, ...]


def approve(
    url: str,
    *,
    allowed: frozenset[str],
    resolver: Resolver,
    max_length: int = MAX_URL_LENGTH,
) -> Approved:
    checked, wire_url = split_checked(url, max_length)
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
        if target_key(addr.compressed, checked.port) in allowed:
            continue  # exact ip:port opt-in, e.g. the local test server
        reason = blocked_reason(addr)
        if reason is None:
            continue
        if host_allowed and not is_metadata(addr):
            continue  # e.g. localhost:8123 -> 127.0.0.1 for the offline demo
        raise BlockedAddress(
            f"{checked.host} resolves to {addr} ({reason}); refusing to connect",
            url=url,
            address=str(addr),
        )
    return Approved(
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
    approved = approve(
        url,
        allowed=normalise_allowed(allowed_targets),
        resolver=resolver or default_resolver,
        max_length=max_url_length,
    )
    return approved.addresses[0]
