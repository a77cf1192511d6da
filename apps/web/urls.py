"""URLs: normalisation shared by the crawler, the frontier and the analyzers, and the
one definition of the URL limits every part of Sitelens applies."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
#: The historical IE limit, and the one length limit Sitelens applies to a URL it is
#: given (API input, the guarded client) or finds (the crawl frontier): longer
#: "URLs" are almost always junk, a trap or an attack.
MAX_URL_LENGTH = 2083


def normalize_url(url: str) -> str | None:
    """Canonical form used to de-duplicate URLs; None if it is not an http(s) URL.

    Drops the fragment, lower-cases scheme and host, removes the default port and
    gives an empty path as "/". Query strings are kept as they are.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username or parts.password:
        return None  # user@host URLs are refused everywhere (host confusion)
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def origin(url: str) -> str:
    """scheme://host[:port] of a normalised URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def header_text(value: str) -> str:
    """A header value as the server meant it: http.client decodes latin-1, servers send
    UTF-8 (a Location with non-ASCII path characters, say)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value
