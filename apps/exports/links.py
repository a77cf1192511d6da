"""Signed download links: unguessable, expiring, and useless once tampered with.

The token is Django's TimestampSigner over the export id (HMAC with SECRET_KEY and a
salt of its own): a changed character fails the signature (404), a link older than
SITELENS_EXPORT_LINK_SECONDS has expired (410), and an export past its own expiry
or deleted is gone whatever the link says.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

SALT = "sitelens.exports.download"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def sign(export) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(export.pk))


def expires_at(export):
    return min(timezone.now() + timedelta(seconds=settings.SITELENS_EXPORT_LINK_SECONDS),
               export.expires_at)


def unsign(token: str) -> str:
    """The export id in a valid, unexpired token."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        return signer.unsign(token, max_age=settings.SITELENS_EXPORT_LINK_SECONDS)
    except signing.SignatureExpired as exc:
        raise LinkExpired() from exc
    except signing.BadSignature as exc:
        raise LinkInvalid() from exc
