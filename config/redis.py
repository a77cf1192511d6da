"""How Sitelens talks to Redis, shared by the settings and the tests."""

from __future__ import annotations


def channel_layer(url: str) -> dict:
    """The channels-redis layer for `url`.

    redis-py 8 reads with a 5 s socket timeout by default, which cuts the layer's own
    blocking 5 s pop and tears idle WebSocket consumers down ("Timeout reading from
    …", channels_redis#422); its reads get a timeout longer than that pop.
    """
    return {"BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": 30}]}}
