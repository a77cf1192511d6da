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
from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from apps.accounts.models import ApiKey


def client_ip(request) -> str:
    """The caller's address, trusting exactly the configured number of proxies."""
    return BaseThrottle().get_ident(request)


class PlanRateThrottle(BaseThrottle):
    """Requests per minute: the plan's per user, an API key's own, or per address.

    Each budget is counted over the last minute in one-second buckets (second ->
    requests, at most 60 of them) under one cache key: one read and one write a
    request, whatever the rate. DRF's SimpleRateThrottle counts the same window with a
    list of every request's timestamp, which it reads and rewrites whole on every
    request, so its cost grew with the rate (7600 entries at the API benchmark's rate:
    pickling them was a quarter of an API request). A request counts for the minute
    from the start of its second, so Retry-After is never more than 60.
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
        cache_key = f"throttle:plan:{ident}"
        now = time.time()
        buckets = {at: count for at, count in (cache.get(cache_key) or {}).items()
                   if at + self.WINDOW > now}
        total = sum(buckets.values())
        if total >= per_minute:
            # The oldest seconds leave the window first: wait until enough have left.
            for at in sorted(buckets):
                total -= buckets[at]
                if total < per_minute:
                    break
            self.wait_seconds = max(1.0, at + self.WINDOW - now)
            return False
        second = int(now)
        buckets[second] = buckets.get(second, 0) + 1
        cache.set(cache_key, buckets, timeout=self.WINDOW)
        return True

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
