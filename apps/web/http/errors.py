"""The one error type of the guarded client: a machine ``code`` and a human message."""

from __future__ import annotations

#: Codes that mean the server could not be reached at all (as opposed to a refused or
#: malformed request, or a response that was too large or undecodable).
UNREACHABLE_CODES = frozenset({"dns", "blocked_address", "timeout", "connection", "tls"})


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
