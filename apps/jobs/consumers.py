"""WebSockets: one job's event log (`/ws/v1/analyses/<id>/`), replayed then live; and
the dashboard stream (`/ws/v1/analyses/`): status and progress of all my jobs.

Both read the event table through `apps.jobs.streams.tail`; the channel layer only
wakes them, through one subscription per group and process (see that module).
Authentication happens in `apps.jobs.ws_auth`.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from apps.core.metrics import WEBSOCKETS
from apps.jobs.connection import DaphneWebSocket, past_the_session
from apps.jobs.events import group_name, last_event_id, owner_group_name
from apps.jobs.streams import (
    Wake,
    job_events,
    join_wakeups,
    leave_wakeups,
    owned_job_status,
    owner_events,
    parse_after,
    parse_job_id,
    tail,
)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_SERVER_ERROR = 1011


class _TailingConsumer(AsyncJsonWebsocketConsumer):
    """Accepts an authenticated client, then pumps `tail` into it until it ends."""

    groups_to_join: list[str]
    until_final = False

    async def connect(self):
        self.pump = None
        self.joined = False
        self.wake = Wake()
        if self.scope.get("auth_error"):
            await self.accept()
            await self.close(code=CLOSE_SERVER_ERROR)  # try again later; not "anonymous"
            return
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        prepared = await self.prepare(user)
        if prepared is None:
            await self.close(code=CLOSE_NOT_FOUND)  # not yours or no such job: same answer
            return
        self.groups_to_join, fetch, after = prepared
        # The process's one subscription per group wakes this consumer (apps.jobs.streams).
        self.joined = await join_wakeups(self.groups_to_join, self.wake)
        await self.accept()
        WEBSOCKETS.inc()
        self.pump = asyncio.create_task(self._pump(fetch, after))

    async def prepare(self, user):
        """(groups, fetch, after) for this connection, or None to refuse it with 4404."""
        raise NotImplementedError

    def query(self, name: str) -> str | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        return query.get(name, [None])[0]

    async def disconnect(self, code):
        if self.pump is not None:
            WEBSOCKETS.dec()
            self.pump.cancel()
        if self.joined:
            await leave_wakeups(self.groups_to_join, self.wake)

    async def receive_json(self, content, **kwargs):
        pass  # the stream is one-way; clients may send keep-alives

    async def _pump(self, fetch, after: int) -> None:
        # Each event's text and frame are made once per process and shared
        # (StreamEvent). Under daphne the frame goes to the socket (apps.jobs.connection);
        # elsewhere the text goes straight to the ASGI send: `send_json` would encode it
        # again for every subscriber, through three more coroutines.
        send = past_the_session(self.base_send)
        connection = DaphneWebSocket.behind(send)  # None under the test communicator
        async for events in tail(fetch, after, self.wake,
                                 poll=settings.SITELENS_EVENT_POLL_SECONDS,
                                 until_final=self.until_final):
            if connection is None:
                for event in events:
                    await send({"type": "websocket.send", "text": event.text})
                continue
            for event in events:
                connection.send(event.frame)
            await connection.drained()  # a slow reader holds back its own stream
        if connection is not None:  # the closing frame must not wait behind the events
            await connection.flushed()
        await self.close(code=1000)  # the job ended and everything was sent


class AnalysisEventsConsumer(_TailingConsumer):
    """One job's events from `?after=<id>` (default: the beginning); closes after the
    final status."""

    until_final = True

    async def prepare(self, user):
        job_id = parse_job_id(self.scope["url_route"]["kwargs"]["job_id"])
        if job_id is None or await owned_job_status(job_id, user) is None:
            return None
        return [group_name(job_id)], job_events(job_id), parse_after(self.query("after")) or 0


class DashboardConsumer(_TailingConsumer):
    """Status and progress events of every job of the user, from `?after=<id>`
    (default: from now on). Each message carries its `job` id. Never ends by itself."""

    async def prepare(self, user):
        after = parse_after(self.query("after"))
        if after is None:
            after = await database_sync_to_async(last_event_id)()
        return [owner_group_name(user.pk)], owner_events(user), after
