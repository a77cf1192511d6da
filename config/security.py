"""The production start-up check: what makes an install unsafe to expose."""

from __future__ import annotations


def production_problems(*, secret_key: str, debug: bool, allowed_hosts: list[str],
                        credential_keys: list[str]) -> list[str]:
    """Every reason to refuse to start in production mode (empty: none)."""
    problems = []
    if not secret_key:
        problems.append("SECRET_KEY is not set")
    elif len(secret_key) < 50 or len(set(secret_key)) < 5 or \
            secret_key.startswith("django-insecure-") or "change" in secret_key.lower():
        problems.append("SECRET_KEY is a default or too weak (50+ random characters, e.g. "
                        "python -c 'import secrets; print(secrets.token_urlsafe(50))')")
    if not credential_keys:
        problems.append("SITELENS_CREDENTIAL_KEYS is not set (Fernet keys for secrets at rest)")
    if debug:
        problems.append("DEBUG is on")
    if not allowed_hosts or "*" in allowed_hosts:
        problems.append("ALLOWED_HOSTS must name the service's host names, not '*'")
    return problems
