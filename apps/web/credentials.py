"""Site credentials on the wire: headers that go to one origin and nowhere else.

`CredentialedClient` wraps the HTTP client the crawler (and the preflight checks)
use. A request to the credential's origin (same scheme, host and port) gets its
headers; any other request gets none. The guarded client drops every caller header
when it follows a redirect to another origin itself (robots.txt, sitemaps), and the
crawler follows page redirects hop by hop through this wrapper, so a redirect to
another origin never carries a credential.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from apps.web.robots import HttpClient
from apps.web.types import MAX_REDIRECTS, FetchResult
from apps.web.urls import origin


@dataclass(frozen=True)
class OriginCredential:
    origin: str  # scheme://host[:port], as `apps.web.urls.origin` gives it
    headers: Mapping[str, str] = field(repr=False)  # never printed

    def applies_to(self, url: str) -> bool:
        return origin(url) == self.origin


class CredentialedClient:
    """An HttpClient that adds `credential`'s headers to requests for its origin."""

    def __init__(self, client: HttpClient, credential: OriginCredential | None) -> None:
        self._client = client
        self.credential = credential
        self.max_redirects = getattr(client, "max_redirects", MAX_REDIRECTS)

    def get(self, url: str, *, headers: dict[str, str] | None = None,
            follow_redirects: bool = True, auth: object = None) -> FetchResult:
        if self.credential is not None and self.credential.applies_to(url):
            headers = {**(headers or {}), **self.credential.headers}
        return self._client.get(url, headers=headers, follow_redirects=follow_redirects,
                                auth=auth)
