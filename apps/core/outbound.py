"""The guarded HTTP client as the deployment configures it (allowed targets).

Every request Sitelens sends (crawl, robots, sitemaps, preflight checks, webhooks)
is made with a client from here, so the operator's SITELENS_ALLOWED_TARGETS applies
everywhere and nowhere else is an allow-list read.
"""

from __future__ import annotations

from django.conf import settings

from apps.core.errors import ServiceError
from apps.web.http import FetchError, GuardedClient, parse_allowed_targets, validate_target


def allowed_targets() -> frozenset[str]:
    return parse_allowed_targets(settings.SITELENS_ALLOWED_TARGETS)


def guarded_client(*, user_agent: str | None = None, **limits) -> GuardedClient:
    """A client with the deployment's allow-list; `limits` override time/size caps."""
    if user_agent:
        limits["user_agent"] = user_agent
    return GuardedClient(allowed_targets=allowed_targets(), **limits)


def target_check(url: str, *, field: str = "url") -> str:
    """Refuse a URL Sitelens must not fetch (scheme, DNS, blocked address).

    Returns the address a fetch would use. Raises ServiceError with the client's
    error code (``blocked_address``, ``dns``, ``invalid_url``, ...).
    """
    try:
        return validate_target(url, allowed_targets=allowed_targets())
    except FetchError as exc:
        raise ServiceError(str(exc), code=exc.code, details={field: [str(exc)]}) from exc
