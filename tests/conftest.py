"""Shared fixtures: users, authenticated API clients, the local test website."""

from __future__ import annotations

import ipaddress
import os
import socket

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from apps.accounts.models import User


def pytest_collection_modifyitems(config, items):
    # Tests of the Redis-backed parts need a Redis server (CI sets REDIS_TEST_URL);
    # browser tests need Debian's Chromium (CI installs it). Both run in CI.
    needs = {
        "redis": (bool(os.environ.get("REDIS_TEST_URL")),
                  "REDIS_TEST_URL not set (CI runs these against Redis)"),
        "postgres": (os.environ.get("DATABASE_URL", "").startswith("postgres"),
                     "DATABASE_URL is not PostgreSQL (CI runs these against it)"),
        "browser": (os.path.exists("/usr/bin/chromium"),
                    "no /usr/bin/chromium (apt-get install chromium; CI installs it)"),
    }
    for item in items:
        for keyword, (available, reason) in needs.items():
            if keyword in item.keywords and not available:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def _no_stray_sessions_at_teardown(django_db_setup, django_db_blocker):
    """Async tests reach the database from asgiref's worker threads, whose connections
    can outlive the test; PostgreSQL then refuses to drop the test database. End them
    before it is dropped (the e2e processes' sessions are ended the same way)."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")


# Names tests may "resolve" without a DNS server. The public address is only ever
# validated, never connected to: the guard below refuses any non-loopback connect.
FAKE_DNS = {"example.com": "93.184.215.14", "www.example.com": "93.184.215.14"}
LOOPBACK_NAMES = {"localhost"}


@pytest.fixture(autouse=True)
def offline_network(monkeypatch):
    """Tests reach only 127.0.0.1/::1: no real DNS query, no connection elsewhere."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def fake_getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name.split("%")[0])
        except ValueError:
            if name.lower() in LOOPBACK_NAMES:
                return real_getaddrinfo(host, port, *args, **kwargs)
            if name.lower() in FAKE_DNS:
                return real_getaddrinfo(FAKE_DNS[name.lower()], port, *args, **kwargs)
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: unknown in the tests' offline DNS") from None
        return real_getaddrinfo(host, port, *args, **kwargs)

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost") and \
                sock.family in (socket.AF_INET, socket.AF_INET6):
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {address!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


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


def _logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def browser(user) -> Client:
    """The pages as `user` sees them (a session, as in a browser)."""
    return _logged_in(user)


@pytest.fixture
def other_browser(other_user) -> Client:
    return _logged_in(other_user)


@pytest.fixture
def site():
    """The local test website with known defects (tests/support/testsite.py)."""
    from tests.support.testsite import TestSite

    with TestSite() as test_site:
        with override_settings(SITELENS_ALLOWED_TARGETS=test_site.host_port):
            yield test_site


@pytest.fixture
def shop():
    """The camera-rental shop written for content and persona tests (tests/support/shop.py)."""
    from tests.support.shop import ShopSite

    with ShopSite() as shop_site:
        with override_settings(SITELENS_ALLOWED_TARGETS=shop_site.host_port):
            yield shop_site


@pytest.fixture
def shared_cache(settings, db):
    """The embedded default's shared cache (the database table a migration makes), in
    place of the test settings' DummyCache, for tests of what lives in it."""
    from django.core.cache import caches

    settings.CACHES = {**settings.CACHES,
                       "default": {"BACKEND": "apps.core.dbcache.DatabaseCache",
                                   "LOCATION": "sitelens_cache"}}
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()
