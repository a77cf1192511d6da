"""WebSocket /ws/v1/analyses/<id>/: the job's event log, replayed then live.

Events are read from the event table, never from the channel-layer message
itself: the layer only wakes the consumer up. So a message lost by the layer, a
layer that cannot cross processes (the embedded in-memory one), or a client that
reconnects with `?after=<id>` all end the same way: every event once, in order.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from apps.jobs.events import events_after, group_name
from apps.jobs.models import TERMINAL, Job

BATCH = 200
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def _owned_job_status(job_id: str, user) -> str | None:
    return Job.objects.filter(pk=job_id, owner=user).values_list("status", flat=True).first()


@database_sync_to_async
def _events(job_id: str, after: int) -> list[dict]:
    return [event.as_message() for event in events_after(job_id, after=after, limit=BATCH)]


class AnalysisEventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        self.job_id = str(self.scope["url_route"]["kwargs"]["job_id"])
        self.pump = None
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if await _owned_job_status(self.job_id, user) is None:
            await self.close(code=CLOSE_NOT_FOUND)  # not yours or no such job: same answer
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        after = query.get("after", ["0"])[0]
        self.after = int(after) if after.isdigit() else 0
        self.wake = asyncio.Event()
        await self.channel_layer.group_add(group_name(self.job_id), self.channel_name)
        await self.accept()
        self.pump = asyncio.create_task(self._pump())

    async def disconnect(self, code):
        if self.pump is not None:
            self.pump.cancel()
            await self.channel_layer.group_discard(group_name(self.job_id), self.channel_name)

    async def job_wake(self, message):
        self.wake.set()

    async def receive_json(self, content, **kwargs):
        pass  # the stream is one-way; clients may send keep-alives

    async def _pump(self) -> None:
        poll = settings.SITELENS_EVENT_POLL_SECONDS
        ended = False
        while True:
            self.wake.clear()
            rows = await _events(self.job_id, self.after)
            for row in rows:
                await self.send_json(row)
                self.after = row["id"]
                if row["type"] == "status" and row["data"].get("status") in TERMINAL:
                    ended = True
            if len(rows) == BATCH:
                continue
            if ended:
                await self.close(code=1000)  # the job ended and everything was sent
                return
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=poll)
            except TimeoutError:
                pass
