"""ASGI entry point: HTTP through Django (the event stream excepted), WebSockets
through Channels."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# No persistent database connections in the web process, a pool instead: the settings
# see that this module is being imported (config/settings/base.py, `_WEB_PROCESS`).

# A young collection every 10 000 allocations instead of 700. Every open stream keeps a
# waiter alive between events, so with the default most of them outlive two young
# collections and land in the old generation; once those are a quarter of it, a full
# collection runs, and with 1000 WebSocket subscribers it walks ~360 000 objects for
# ~200 ms, every ~12 s during a fan-out, stalling every delivery behind it
# (benchmarks/README.md, fanout.py: p95 at 2 events/s 345 -> 97 ms, none during events).
gc.set_threshold(10_000, 10, 10)
# Django must be set up before the consumers (and their models) are imported.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from apps.jobs.routing import stream_urlpatterns, websocket_urlpatterns  # noqa: E402
from apps.jobs.ws_auth import WebSocketAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Server-Sent Events first (no thread per open stream), then everything else.
        "http": URLRouter([*stream_urlpatterns, re_path(r"", django_asgi_app)]),
        "websocket": WebSocketAuthMiddleware(URLRouter(websocket_urlpatterns)),
    }
)
