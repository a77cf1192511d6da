from __future__ import annotations

from django.utils import timezone
from rest_framework import authentication, exceptions

from apps.accounts.models import ApiKey, User
from apps.core.compiled import CompiledShape

KEYWORD = "Api-Key"
_KEY_LOOKUP = CompiledShape("api-key")


def user_for_api_key(raw_key: str) -> tuple[User, ApiKey] | None:
    """The active key's owner, or None. Records when the key was last used."""
    # The plan too: every request's throttle reads it (one query less per request).
    # key_hash is unique: one row or none.
    found = _KEY_LOOKUP.fetch(ApiKey.objects.select_related("user__plan").filter(
        key_hash=ApiKey.hash(raw_key), revoked_at__isnull=True, user__is_active=True)[:1])
    if not found:
        return None
    key = found[0]
    now = timezone.now()
    # Write at most once a minute: a busy script must not turn every call into an UPDATE.
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.user, key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        parts = header.split()
        if not parts or parts[0] != KEYWORD:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Api-Key header.")
        found = user_for_api_key(parts[1])
        if found is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        return found

    def authenticate_header(self, request) -> str:
        return KEYWORD
