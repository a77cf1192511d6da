"""Encryption at rest for site credentials (Fernet: AES-128-CBC + HMAC-SHA256).

Keys come from SITELENS_CREDENTIAL_KEYS (comma-separated Fernet keys, newest
first): data is encrypted with the first and decrypted with any, so a key can be
rotated by prepending a new one. The embedded default generates one into
``var/credential_key`` like the secret key. Losing the key loses the credentials,
nothing else.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class CredentialKeyError(Exception):
    """A stored secret could not be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    keys = settings.SITELENS_CREDENTIAL_KEYS
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "SITELENS_CREDENTIAL_KEYS must be Fernet keys (Fernet.generate_key())") from exc


def encrypt(data: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(data).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialKeyError("the credential was encrypted with a key that is no longer "
                                 "configured") from exc


def generate_key() -> str:
    return Fernet.generate_key().decode()
