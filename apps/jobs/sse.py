"""Server-Sent Events for one job: the same events, ids and order as the WebSocket.

The stream is an async generator that Django's ASGI handler drains in daphne's
event loop, so an open stream holds no thread; its database reads run in the
thread pool only while they run. Each event is written as::

    id: <event id>
    event: <type>
    data: {"id": ..., "type": ..., "data": {...}, "created_at": "..."}

A comment line (``: keep-alive``) goes out every SITELENS_SSE_KEEPALIVE_SECONDS
(15 s) so proxies keep the connection open. The stream ends after the job's final
status. A client that reconnects sends ``Last-Event-ID`` (EventSource does) or
``?after=`` and gets exactly what came after.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

from django.conf import settings

from apps.jobs.events import group_name
from apps.jobs.streams import LayerWakeups, job_events, tail

RETRY_MS = 3000


def format_event(message: dict) -> bytes:
    payload = json.dumps(message, separators=(",", ":"))
    return f"id: {message['id']}\nevent: {message['type']}\ndata: {payload}\n\n".encode()


async def event_stream(job_id: str, after: int) -> AsyncIterator[bytes]:
    keepalive = settings.SITELENS_SSE_KEEPALIVE_SECONDS
    yield f"retry: {RETRY_MS}\n\n".encode()
    last_write = time.monotonic()
    async with LayerWakeups([group_name(job_id)]) as wakeups:
        poll = min(settings.SITELENS_EVENT_POLL_SECONDS, keepalive)
        async for row in tail(job_events(job_id), after, wakeups.event, poll=poll,
                              until_final=True):
            if row is not None:
                yield format_event(row)
                last_write = time.monotonic()
            elif time.monotonic() - last_write >= keepalive:
                yield b": keep-alive\n\n"
                last_write = time.monotonic()
