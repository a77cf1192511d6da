"""The account e-mails (verify an address, reset a password), sent by a django-q task.

`apps.accounts.services` enqueues `send(kind, user_id)` after commit; the task makes
the token itself, so no token ever sits in the broker's table, and the request that
asked for the e-mail answers in the same time whether or not one is sent (a password
reset request must not tell, even by its timing, whether an address has an account).

Links are absolute, built on SITELENS_BASE_URL (the address users reach the web UI
at). Plain text, through Django's configured e-mail backend.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from apps.accounts import tokens
from apps.accounts.models import User

logger = logging.getLogger(__name__)

VERIFY_EMAIL = "verify-email"
PASSWORD_RESET = "password-reset"
SUBJECTS = {
    VERIFY_EMAIL: "Sitelens: confirm your e-mail address",
    PASSWORD_RESET: "Sitelens: reset your password",
}


def _context(kind: str, user: User) -> dict:
    base_url = settings.SITELENS_BASE_URL.rstrip("/")
    context = {"user": user, "base_url": base_url,
               "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
    if kind == VERIFY_EMAIL:
        token = tokens.email_verification_token(user)
        context.update(token=token,
                       link=base_url + reverse("verify-email", kwargs={"token": token}))
    else:
        uid, token = tokens.uid_for(user), tokens.password_reset_token(user)
        context.update(uid=uid, token=token,
                       link=base_url + reverse("password_reset_confirm",
                                               kwargs={"uidb64": uid, "token": token}))
    return context


def send(kind: str, user_id: int) -> bool:
    """The task: e-mail `kind` to the user. False when there is nothing to send (the
    user is gone or inactive, or the address was verified in the meantime)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or (kind == VERIFY_EMAIL and user.email_verified):
        return False
    if kind == PASSWORD_RESET and not user.has_usable_password():
        return False
    body = render_to_string(f"emails/accounts/{kind}.txt", _context(kind, user))
    try:
        send_mail(SUBJECTS[kind], body, settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:
        # The body holds a live token: log who, never what.
        logger.exception("Could not send the %s e-mail to user %s", kind, user.pk)
        return False
    return True
