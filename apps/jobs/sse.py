"""Server-Sent Events for one job (`GET /api/v1/analyses/<id>/events/stream`): the same
events, ids and order as the WebSocket.

A plain ASGI app, routed in config/asgi.py ahead of Django: Django's handler runs
every request in a context with a thread of its own for sync code, which a stream
that stays open for minutes would hold the whole time. Here an open stream is a
coroutine in daphne's event loop; its database reads run on the shared sync thread
only while they run (as the WebSocket consumers' do). Authentication comes from
`apps.jobs.ws_auth.HttpStreamAuthMiddleware`: a Bearer JWT or an API key in the
Authorization header, `?token=<jwt>`, or the session cookie (EventSource sends it).
Errors leave in the API's one error shape.

Each event is written as::

    id: <event id>
    event: <type>
    data: {"id": ..., "type": ..., "data": {...}, "created_at": "..."}

A comment line (``: keep-alive``) goes out every SITELENS_SSE_KEEPALIVE_SECONDS (15 s)
so proxies keep the connection open. The stream ends after the job's final status. A
client that reconnects sends ``Last-Event-ID`` (EventSource does) or ``?after=`` and
gets exactly what came after. A client slower than its events holds back its own
stream (apps.jobs.connection): the server does not buffer its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

from django.conf import settings

from apps.core.api.errors import error_body
from apps.jobs.connection import DaphneConnection, past_the_session
from apps.jobs.events import group_name
from apps.jobs.streams import (
    LayerWakeups,
    job_events,
    owned_job_status,
    parse_after,
    parse_job_id,
    tail,
)

RETRY_MS = 3000


async def event_stream(job_id: str, after: int) -> AsyncIterator[bytes]:
    keepalive = settings.SITELENS_SSE_KEEPALIVE_SECONDS
    yield f"retry: {RETRY_MS}\n\n".encode()
    last_write = time.monotonic()
    async with LayerWakeups([group_name(job_id)]) as wakeups:
        poll = min(settings.SITELENS_EVENT_POLL_SECONDS, keepalive)
        async for events in tail(job_events(job_id), after, wakeups.wake, poll=poll,
                                 until_final=True):
            if events:  # what one read found, in one chunk (StreamEvent.sse)
                yield b"".join(event.sse for event in events)
                last_write = time.monotonic()
            elif time.monotonic() - last_write >= keepalive:
                yield b": keep-alive\n\n"
                last_write = time.monotonic()


async def _json(send, status: int, code: str, message: str, details: dict | None = None) -> None:
    body = json.dumps(error_body(code, message, details)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


async def event_stream_app(scope, receive, send) -> None:
    """The ASGI app: check the request, then stream until the end or the client leaves."""
    if scope["method"] != "GET":
        await _json(send, 405, "method_not_allowed", f'Method "{scope["method"]}" not allowed.')
        return
    if scope.get("auth_error"):
        await _json(send, 503, "unavailable", "Authentication is unavailable; try again.")
        return
    user = scope.get("user")
    if user is None or not user.is_authenticated:
        await _json(send, 401, "not_authenticated", "Authentication credentials were not provided.")
        return
    job_id = parse_job_id(scope["url_route"]["kwargs"]["job_id"])
    if job_id is None or await owned_job_status(job_id, user) is None:
        await _json(send, 404, "not_found", "No such analysis.")
        return
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    raw = _header(scope, b"last-event-id") or query.get("after", [None])[0]
    after = parse_after(raw)
    if raw not in (None, "") and after is None:
        await _json(send, 400, "invalid", "Last-Event-ID / after must be a non-negative integer.",
                    {"after": ["Must be a non-negative integer."]})
        return

    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
        (b"x-accel-buffering", b"no")]})  # nginx: do not buffer the stream

    connection = DaphneConnection.behind(send)  # None under a test communicator
    body = past_the_session(send)  # the session was saved with the response's start

    async def pump() -> None:
        async for chunk in event_stream(job_id, after or 0):
            await body({"type": "http.response.body", "body": chunk, "more_body": True})
            if connection is not None:  # a slow reader holds back its own stream
                await connection.drained()
        await body({"type": "http.response.body", "body": b""})

    async def client_left() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    tasks = [asyncio.create_task(pump()), asyncio.create_task(client_left())]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    for task in done:
        task.result()  # a failure in the stream is raised, not swallowed
