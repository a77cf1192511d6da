"""Shared fixtures: users, authenticated API clients, the local test website."""

from __future__ import annotations

import os

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.accounts.models import User


def pytest_collection_modifyitems(config, items):
    # Tests of the Redis-backed parts need a Redis server; CI sets REDIS_TEST_URL.
    if os.environ.get("REDIS_TEST_URL"):
        return
    marker = pytest.mark.skip(reason="REDIS_TEST_URL not set (CI runs these against Redis)")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(marker)


@pytest.fixture
def user(db) -> User:
    return User.objects.create_user("alice@example.com", "correct horse battery")


@pytest.fixture
def other_user(db) -> User:
    return User.objects.create_user("mallory@example.com", "another good passphrase")


def _client_for(user: User) -> APIClient:
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def api(user) -> APIClient:
    return _client_for(user)


@pytest.fixture
def other_api(other_user) -> APIClient:
    return _client_for(other_user)


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@pytest.fixture
def site():
    """The local test website with known defects (tests/support/testsite.py)."""
    from tests.support.testsite import TestSite

    with TestSite() as test_site:
        with override_settings(SITELENS_ALLOWED_TARGETS=test_site.host_port):
            yield test_site
