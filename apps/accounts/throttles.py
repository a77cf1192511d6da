"""Rate limits, counted in the shared cache (the database cache on the embedded default,
Redis when REDIS_URL is set), so every web process draws on the same budget.

* `PlanRateThrottle`: an authenticated caller gets its plan's requests per minute, per
  user, whatever the credential; a request made with an API key that has its own
  `rate_per_minute` also counts against that key (a runaway script cannot spend its
  owner's whole budget). Anonymous callers get SITELENS_ANON_RATE_PER_MINUTE per client
  address (login, register, token refresh, signed downloads).
* `FailedLogins`: at most SITELENS_FAILED_LOGINS_PER_MINUTE failed logins a minute per
  client address and per account, for the API's token endpoint and the web login form.

The client address is `client_ip`: the socket's peer, or with SITELENS_TRUSTED_PROXIES
= N (DRF's NUM_PROXIES) the address the Nth proxy from the right of X-Forwarded-For
saw. Addresses a client writes into X-Forwarded-For itself are never taken, so a
spoofed header buys no fresh budget.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from apps.accounts.models import ApiKey


def client_ip(request) -> str:
    """The caller's address, trusting exactly the configured number of proxies."""
    return BaseThrottle().get_ident(request)


class PlanRateThrottle(BaseThrottle):
    """Requests per minute: the plan's per user, an API key's own, or per address.

    Each budget is counted over the last minute in one-second buckets (second ->
    requests, at most 60 of them) under one key, whatever the rate. DRF's
    SimpleRateThrottle counts the same window with a list of every request's timestamp,
    which it reads and rewrites whole on every request, so its cost grew with the rate
    (7600 entries at the API benchmark's rate: pickling them was a quarter of an API
    request). A request counts for the minute from the start of its second, so
    Retry-After is never more than 60.

    On Redis the buckets are the fields of a hash, counted up atomically: one round trip
    a request (increment, read, expire in one transaction), another only to take back a
    refused request's count or drop seconds that have left the window. Elsewhere (the
    database cache of the embedded default) the buckets are one cache value, read and
    written back.
    """

    WINDOW = 60

    def allow_request(self, request, view):
        self.wait_seconds = None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self._within(f"ip:{client_ip(request)}",
                                settings.SITELENS_ANON_RATE_PER_MINUTE)
        if not self._within(f"user:{user.pk}", user.get_plan().api_rate_per_minute):
            return False
        key = getattr(request, "auth", None)
        if isinstance(key, ApiKey) and key.rate_per_minute:
            return self._within(f"key:{key.pk}", key.rate_per_minute)
        return True

    def _within(self, ident: str, per_minute: int) -> bool:
        cache_key, now, shared = f"throttle:plan:{ident}", time.time(), caches["default"]
        if isinstance(shared, RedisCache):
            return self._within_redis(shared, shared.make_and_validate_key(cache_key),
                                      per_minute, now)
        buckets = self._live(shared.get(cache_key) or {}, now)
        if sum(buckets.values()) >= per_minute:
            return self._refuse(buckets, per_minute, now)
        second = int(now)
        buckets[second] = buckets.get(second, 0) + 1
        shared.set(cache_key, buckets, timeout=self.WINDOW)
        return True

    def _within_redis(self, shared: RedisCache, key: str, per_minute: int, now: float
                      ) -> bool:
        # Django's RedisCache has no hash commands: its client (private `_cache`), from
        # the pool the cache already keeps.
        client, second = shared._cache.get_client(key, write=True), int(now)
        transaction = client.pipeline()
        transaction.hincrby(key, second, 1).hgetall(key).expire(key, self.WINDOW)
        _, stored, _ = transaction.execute()
        stored = {int(at): int(count) for at, count in stored.items()}
        buckets = self._live(stored, now)
        tidy = client.pipeline(transaction=False)
        if stale := stored.keys() - buckets.keys():
            tidy.hdel(key, *stale)
        allowed = sum(buckets.values()) <= per_minute  # this request's count included
        if not allowed:  # a refused request does not count
            tidy.hincrby(key, second, -1)
            buckets[second] -= 1
        if len(tidy):
            tidy.execute()
        return allowed or self._refuse(buckets, per_minute, now)

    def _live(self, buckets: dict[int, int], now: float) -> dict[int, int]:
        return {at: count for at, count in buckets.items() if at + self.WINDOW > now}

    def _refuse(self, buckets: dict[int, int], per_minute: int, now: float) -> bool:
        """Refuse, and say when enough of the oldest seconds have left the window (a
        whole window for a budget of 0, which nothing frees)."""
        total, seconds = sum(buckets.values()), float(self.WINDOW)
        for at in sorted(buckets):
            total -= buckets[at]
            if total < per_minute:
                seconds = at + self.WINDOW - now
                break
        self.wait_seconds = max(1.0, seconds)
        return False

    def wait(self) -> float | None:
        return self.wait_seconds


class FailedLogins:
    """Failed logins counted per client address and per account in one-minute windows
    (atomic increments on Redis). Past the limit every attempt is refused, the right
    password included, until the window ends; the refusal says nothing about whether
    the account exists."""

    WINDOW = 60

    def __init__(self, request, email: str) -> None:
        account = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
        window = int(time.time() // self.WINDOW)
        self.keys = [f"login-failures:ip:{client_ip(request)}:{window}",
                     f"login-failures:account:{account}:{window}"]
        self.resets_in = self.WINDOW - int(time.time() % self.WINDOW)

    def check(self) -> None:
        """Raise Throttled (429 with Retry-After) while either count is at the limit."""
        limit = settings.SITELENS_FAILED_LOGINS_PER_MINUTE
        if any((cache.get(key) or 0) >= limit for key in self.keys):
            raise Throttled(wait=self.resets_in, detail="Too many failed logins.")

    def failed(self) -> None:
        for key in self.keys:
            cache.add(key, 0, timeout=self.WINDOW * 2)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=self.WINDOW * 2)
