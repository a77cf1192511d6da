"""The guarded HTTP client: every request Sitelens sends goes through here.

See :mod:`apps.web.http.client` for the rules and why each exists. Import the
public names from this package; the modules behind it are split by concern.
"""

from apps.web.http.addresses import blocked_reason
from apps.web.http.client import DEFAULT_USER_AGENT, GuardedClient
from apps.web.http.errors import BlockedAddress, FetchError
from apps.web.http.hosts import CheckedUrl, check_url
from apps.web.http.targets import Resolver, default_resolver, parse_allowed_targets, validate_target

__all__ = [
    "DEFAULT_USER_AGENT",
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
