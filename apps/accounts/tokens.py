"""The tokens in account e-mails: verify an address, reset a password.

Both are Django's `PasswordResetTokenGenerator` (an HMAC of the user's state and a
timestamp, keyed on SECRET_KEY, valid for PASSWORD_RESET_TIMEOUT seconds: three days by
default), so neither is stored anywhere. Each stops working once it has been used,
because what it is computed over changes:

* the password-reset token covers the password hash and the last login (Django's own,
  which its PasswordResetConfirmView checks: the web and API flows share it);
* the e-mail verification token covers the address and `email_verified_at`, so it
  dies when the address is verified (or would, if it ever changed).

A verification link carries one string, `<uidb64>.<token>` (neither part contains a
dot); a reset link carries `uidb64` and `token` separately, as Django's views expect.
"""

from __future__ import annotations

from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from apps.accounts.models import User


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "apps.accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}{user.email}{user.email_verified_at}{timestamp}"


email_verification_tokens = EmailVerificationTokenGenerator()
password_reset_tokens = default_token_generator  # the one Django's reset views check


def uid_for(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_for_uid(uidb64: str) -> User | None:
    """The user a `uidb64` names, or None for anything malformed or unknown."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=pk).first()


def email_verification_token(user: User) -> str:
    return f"{uid_for(user)}.{email_verification_tokens.make_token(user)}"


def user_for_email_verification_token(token: str) -> User | None:
    """The user whose unverified address `token` proves, or None when the token is
    malformed, forged, expired or already used."""
    uidb64, _, signed = (token or "").partition(".")
    user = user_for_uid(uidb64) if signed else None
    if user is None or not email_verification_tokens.check_token(user, signed):
        return None
    return user


def password_reset_token(user: User) -> str:
    return password_reset_tokens.make_token(user)


def user_for_password_reset(uidb64: str, token: str) -> User | None:
    """The active user a reset `uidb64` + `token` is for, or None."""
    user = user_for_uid(uidb64)
    if user is None or not user.is_active or not password_reset_tokens.check_token(user, token):
        return None
    return user
