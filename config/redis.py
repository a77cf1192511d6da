"""How Sitelens talks to Redis, shared by the settings and the tests."""

from __future__ import annotations

import threading

import redis


def channel_layer(url: str) -> dict:
    """The channels-redis layer for `url`.

    redis-py 8 reads with a 5 s socket timeout by default, which cuts the layer's own
    blocking 5 s pop and tears idle WebSocket consumers down ("Timeout reading from
    …", channels_redis#422); its reads get a timeout longer than that pop.
    """
    return {"BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": 30}]}}


class SharedConnectionPool:
    """The cache's Redis connection pool, one per process and server.

    Django's Redis cache keeps its pool on the cache object, and the web process gets a
    new cache object with every request (under ASGI each request runs in a context and
    thread of its own), so every request opened, checked and dropped a Redis connection
    before its throttle could count it. redis-py's pools are thread-safe and reset
    themselves after a fork. Use as the cache's OPTIONS["pool_class"].
    """

    _pools: dict = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **options):
        key = (url, repr(sorted(options.items())))
        with cls._lock:
            if key not in cls._pools:
                cls._pools[key] = redis.ConnectionPool.from_url(url, **options)
            return cls._pools[key]
