"""Address policy: which IP addresses the guarded client refuses to connect to, and why.

Spelled out as tables rather than trusting only ``ipaddress.is_global``: the stdlib's
notion of "special" has changed between patch releases, and this list must not move
under us. IPv6 forms that deliver packets to an IPv4 host (mapped, compatible, NAT64,
6to4, Teredo) are judged by the IPv4 address they embed.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

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


def is_metadata(addr: IPAddress) -> bool:
    if addr in METADATA_ADDRESSES:
        return True
    return isinstance(addr, ipaddress.IPv6Address) and any(
        inner in METADATA_ADDRESSES for inner in _embedded_ipv4(addr)
    )
