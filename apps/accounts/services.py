"""Writes on accounts: profile, e-mail verification, passwords, API keys.

The web pages (apps.accounts.views) and the API (apps.accounts.api.views) both call
these, so a password set either way ends the same sessions and tokens, and a key made
either way is checked against the same plan.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from apps.accounts import emails, tokens
from apps.accounts.models import ApiKey, User, normalize_email_address
from apps.core.errors import ServiceError

# Account e-mails of one kind one user gets an hour at most: a password-reset form
# anyone can fill in must not become a way to flood someone's inbox. Past it, requests
# are answered as usual and nothing is sent.
ACCOUNT_EMAILS_PER_HOUR = 5

INVALID_VERIFICATION = "This verification link is invalid or has expired."


def user_update(*, user: User, name: str | None = None,
                email_notifications: bool | None = None) -> User:
    """Change the profile fields given (None: leave as is)."""
    fields = {"name": name.strip() if name is not None else None,
              "email_notifications": email_notifications}
    changed = {field: value for field, value in fields.items() if value is not None}
    for field, value in changed.items():
        setattr(user, field, value)
    if changed:
        user.save(update_fields=list(changed))
    return user


def _within_email_budget(kind: str, user_id: int) -> bool:
    key = f"account-email:{kind}:{user_id}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=2 * 3600)
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr (or a cache that keeps nothing)
        cache.add(key, 1, timeout=2 * 3600)
        sent = 1
    return sent <= ACCOUNT_EMAILS_PER_HOUR


def _send_after_commit(kind: str, user_id: int) -> bool:
    if not _within_email_budget(kind, user_id):
        return False
    transaction.on_commit(lambda: async_task("apps.accounts.emails.send", kind, user_id))
    return True


def email_verification_request(*, user: User) -> bool:
    """E-mail `user` a link that verifies their address (after sign-up, and when they
    ask again). False when nothing is sent: already verified, or asked too often."""
    if user.email_verified:
        return False
    return _send_after_commit(emails.VERIFY_EMAIL, user.pk)


def email_verify(*, token: str) -> User:
    """Mark the address the token was made for verified. Raises ServiceError (400,
    `invalid_token`) for a malformed, forged, expired or already used token."""
    user = tokens.user_for_email_verification_token(token)
    if user is None:
        raise ServiceError(INVALID_VERIFICATION, code="invalid_token",
                           details={"token": [INVALID_VERIFICATION]})
    user.mark_email_verified()
    return user


def password_reset_request(*, email: str) -> None:
    """E-mail a reset link if `email` belongs to an active account with a password.

    Returns nothing and takes the same time either way (the e-mail is made by a task
    after commit): callers must answer the same for any address.
    """
    user = User.objects.filter(email=normalize_email_address(email), is_active=True).first()
    if user is not None and user.has_usable_password():
        _send_after_commit(emails.PASSWORD_RESET, user.pk)


def refresh_tokens_revoke(*, user: User) -> int:
    """Blacklist every unexpired refresh token issued to `user`; how many were."""
    outstanding = OutstandingToken.objects.filter(user=user, expires_at__gt=timezone.now(),
                                                  blacklistedtoken__isnull=True)
    made = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True)
    return len(made)


@transaction.atomic
def user_set_password(*, user: User, password: str) -> User:
    """Set a new password (already validated by the caller's form or serializer) and
    end every way in that the old one opened.

    Sessions: each session stores a hash of the password, which Django compares on
    every request, so all of the user's sessions end with this save; the caller keeps
    its own alive with `update_session_auth_hash`. JWTs: every refresh token is
    blacklisted, so no new access token can be had (an access token already issued
    lives out its JWT_ACCESS_MINUTES). API keys are separate credentials and stay.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    refresh_tokens_revoke(user=user)
    return user


def api_key_create(*, user: User, name: str, rate_per_minute: int | None = None
                   ) -> tuple[ApiKey, str]:
    """A new key and its raw value (shown once, never stored). Its own rate may not
    exceed the owner's plan rate."""
    cap = user.get_plan().api_rate_per_minute
    if rate_per_minute is not None and rate_per_minute > cap:
        message = f"Your plan allows at most {cap} requests a minute."
        raise ServiceError(message, details={"rate_per_minute": [message]})
    return ApiKey.generate(user=user, name=name, rate_per_minute=rate_per_minute)


def api_key_revoke(*, key: ApiKey) -> None:
    """Make the key unusable from now on (the row stays, for the record)."""
    key.revoke()
