"""Rate limits on the shared database cache (the embedded default's): per user whatever
the credential, per API key when it has its own rate, per client address for anonymous
calls, failed logins per address and per account, and X-Forwarded-For believed only as
far as the configured proxies."""

import os
import time
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.accounts import throttles
from apps.accounts.models import ApiKey
from tests.support.bursts import at_once

PASSWORD = "correct horse battery"  # the `user` fixture's


@pytest.fixture
def one_window(monkeypatch):
    """Failed logins count in one-minute windows: keep every attempt of a test inside one
    (a test running across a minute boundary would otherwise split its count)."""
    now = (time.time() // 60) * 60 + 30
    monkeypatch.setattr(throttles, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture
def proxies(settings):
    def trust(n):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": n}
    return trust


def _key_client(user, **options):
    key, raw = ApiKey.generate(user=user, name="ci", **options)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _cache_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sitelens_cache")
        return cursor.fetchone()[0]


def test_the_plan_rate_is_per_user_whatever_the_credential(shared_cache, api, user):
    plan = user.get_plan()
    plan.api_rate_per_minute = 3
    plan.save()
    with_key = _key_client(user)
    assert [api.get("/api/v1/auth/me").status_code for _ in range(2)] == [200, 200]
    assert with_key.get("/api/v1/auth/me").status_code == 200
    refused = with_key.get("/api/v1/auth/me")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert api.get("/api/v1/auth/me").status_code == 429
    assert _cache_rows() >= 1  # counted in the database every web process shares


def test_an_api_key_with_its_own_rate_cannot_spend_its_owner_s_budget(shared_cache, api,
                                                                      user):
    capped = _key_client(user, rate_per_minute=2)
    assert [capped.get("/api/v1/auth/me").status_code for _ in range(3)] == [200, 200, 429]
    assert api.get("/api/v1/auth/me").status_code == 200  # the owner's budget is intact
    listed = api.get("/api/v1/auth/api-keys").json()
    assert listed[0]["rate_per_minute"] == 2


def test_a_key_rate_above_the_plan_is_refused(api, user):
    rate = user.get_plan().api_rate_per_minute
    response = api.post("/api/v1/auth/api-keys", {"name": "x", "rate_per_minute": rate + 1},
                        format="json")
    assert response.status_code == 400
    assert "rate_per_minute" in response.json()["error"]["details"]
    assert not ApiKey.objects.filter(user=user).exists()


def test_anonymous_calls_are_limited_per_address_and_a_spoofed_header_buys_nothing(
        shared_cache, anon_api, settings, proxies):
    settings.SITELENS_ANON_RATE_PER_MINUTE = 3
    proxies(0)  # the default: nothing in X-Forwarded-For is believed
    statuses = [anon_api.post("/api/v1/auth/token/refresh", {"refresh": "x"}, format="json",
                              HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
                for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


def test_behind_one_proxy_the_address_it_saw_is_the_client(shared_cache, anon_api, settings,
                                                          proxies):
    settings.SITELENS_ANON_RATE_PER_MINUTE = 3
    proxies(1)

    def refresh(forwarded):
        return anon_api.post("/api/v1/auth/token/refresh", {"refresh": "x"}, format="json",
                             HTTP_X_FORWARDED_FOR=forwarded).status_code

    # The client writes its own X-Forwarded-For; the proxy appends the address it saw.
    assert [refresh(f"10.0.0.{i}, 203.0.113.5") for i in range(4)] == [401, 401, 401, 429]
    assert refresh("203.0.113.6") == 401  # another client has its own budget


def test_twenty_failed_logins_from_one_address_lock_it_out_for_the_minute(
        shared_cache, one_window, anon_api, user, other_user, settings):
    settings.SITELENS_ANON_RATE_PER_MINUTE = 1000  # only the failed-login limit here
    for i in range(20):
        email = user.email if i % 2 else f"nobody{i}@example.com"
        response = anon_api.post("/api/v1/auth/token", {"email": email, "password": "nope"},
                                 format="json")
        assert response.status_code == 401
    refused = anon_api.post("/api/v1/auth/token", {"email": other_user.email,
                                                   "password": "another good passphrase"},
                            format="json")  # the right password, from the locked address
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["code"] == "throttled" and "failed logins" in error["message"]
    assert other_user.email not in refused.content.decode()


def test_twenty_failed_logins_for_one_account_lock_it_from_every_address(
        shared_cache, one_window, anon_api, user, settings, proxies):
    settings.SITELENS_ANON_RATE_PER_MINUTE = 1000
    proxies(1)
    for i in range(20):
        anon_api.post("/api/v1/auth/token", {"email": user.email.upper(), "password": "nope"},
                      format="json", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    locked = anon_api.post("/api/v1/auth/token", {"email": user.email, "password": PASSWORD},
                           format="json", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert locked.status_code == 429
    other = anon_api.post("/api/v1/auth/token", {"email": "mallory@example.com",
                                                 "password": "nope"},
                          format="json", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert other.status_code == 401  # another account from that address is not locked


def test_unknown_and_known_accounts_fail_alike(anon_api, user):
    known = anon_api.post("/api/v1/auth/token", {"email": user.email, "password": "nope"},
                          format="json")
    unknown = anon_api.post("/api/v1/auth/token", {"email": "ghost@example.com",
                                                   "password": "nope"}, format="json")
    assert known.status_code == unknown.status_code == 401

    def without_id(response):
        error = response.json()["error"]
        error.pop("request_id")
        return error

    assert without_id(known) == without_id(unknown)


def test_the_web_login_form_has_the_same_limit(shared_cache, one_window, client, user):
    for _ in range(20):
        response = client.post("/accounts/login/", {"username": user.email, "password": "no"})
        assert response.status_code == 200 and b"didn't match" in response.content
    refused = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"Too many failed logins" in refused.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_webhook_registrations_stops_at_the_plan_allowance(user, settings):
    settings.SITELENS_ALLOWED_TARGETS = "127.0.0.1:9"
    plan = user.get_plan()
    plan.webhook_endpoints = 2
    plan.save()
    answers = at_once(user, 6, lambda client: client.post(
        "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook"}, format="json"))
    assert sorted(a.status_code for a in answers) == [201, 201, 403, 403, 403, 403]
    refused = next(a for a in answers if a.status_code == 403).json()["error"]
    assert refused["code"] == "plan_limit" and refused["details"]["limit"] == 2
    assert user.webhook_endpoints.count() == 2


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def either_shared_cache(request, settings, db):
    """The embedded default's database cache, and Redis as in production."""
    if request.param == "database":
        yield request.getfixturevalue("shared_cache")
        return
    from django.core.cache import caches

    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_TEST_URL"], "KEY_PREFIX": "rate-limit-test"}}
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_the_plan_budget_is_the_last_minute_counted_by_the_second(either_shared_cache, user,
                                                                  monkeypatch):
    clock = SimpleNamespace(now=1_000_000.25)
    monkeypatch.setattr(throttles, "time", SimpleNamespace(time=lambda: clock.now))
    capped = _key_client(user, rate_per_minute=3)

    def at(seconds):
        clock.now = 1_000_000.25 + seconds
        return capped.get("/api/v1/auth/me")

    assert [at(0).status_code, at(0.5).status_code, at(20).status_code] == [200, 200, 200]
    refused = at(30)
    # the two requests of second 1 000 000 leave the window at 1 000 060
    assert refused.status_code == 429 and refused["Retry-After"] == "30"
    assert at(59.5).status_code == 429  # refused requests do not count
    assert at(60).status_code == 200  # both of the first second have left
    assert at(60.5).status_code == 200  # with the ones at 20 and 60: 3
    assert at(61).status_code == 429
    # However many requests, the counter is at most one number per second.
    key = f"throttle:plan:key:{ApiKey.objects.get(name='ci').pk}"
    if hasattr(either_shared_cache, "_cache"):  # Redis: a hash of the seconds
        client = either_shared_cache._cache.get_client()
        stored = {int(at): int(n) for at, n in  # a refused request's second may stay at 0
                  client.hgetall(either_shared_cache.make_and_validate_key(key)).items()
                  if int(n)}
    else:
        stored = either_shared_cache.get(key)
    assert stored == {1_000_020: 1, 1_000_060: 2}


def test_a_plan_without_api_requests_refuses_them_for_a_minute(either_shared_cache, api,
                                                               user):
    plan = user.get_plan()
    plan.api_rate_per_minute = 0
    plan.save()
    refused = api.get("/api/v1/auth/me")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_on_redis_a_burst_spends_exactly_the_plan_budget(user, settings):
    # Counted atomically: no two requests read the same count and both pass.
    from django.core.cache import caches

    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_TEST_URL"], "KEY_PREFIX": "rate-limit-burst"}}
    caches["default"].clear()
    plan = user.get_plan()
    plan.api_rate_per_minute = 5
    plan.save()
    answers = at_once(user, 12, lambda client: client.get("/api/v1/auth/me"))
    assert sorted(a.status_code for a in answers) == [200] * 5 + [429] * 7
    caches["default"].clear()
