"""Tailing the event log for the live streams (WebSocket and Server-Sent Events).

Both streams read events from the event table, never from a channel-layer message:
the layer only wakes them up. So a message lost by the layer, a layer that cannot
cross processes (the embedded in-memory one, where the stream polls instead), or a
client that reconnects with the last id it saw all end the same way: every event
once, in order. The WebSocket consumers and the SSE view share `tail` and differ
only in how they write an event out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from apps.jobs.events import events_after, owner_events_after
from apps.jobs.models import TERMINAL, Job

logger = logging.getLogger(__name__)

BATCH = 200

Fetch = Callable[[int], Awaitable[list[dict]]]


def parse_job_id(value: str) -> str | None:
    """The canonical form of a job id, or None when `value` is not a UUID."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None


def parse_after(value: str | None) -> int | None:
    """A resume position (`?after=`, `Last-Event-ID`): a non-negative integer, or None."""
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


@database_sync_to_async
def owned_job_status(job_id: str, user) -> str | None:
    return Job.objects.owned_by(user).filter(pk=job_id).values_list("status", flat=True).first()


def job_events(job_id: str) -> Fetch:
    @database_sync_to_async
    def fetch(after: int) -> list[dict]:
        return [event.as_message() for event in events_after(job_id, after=after, limit=BATCH)]

    return fetch


def owner_events(user) -> Fetch:
    @database_sync_to_async
    def fetch(after: int) -> list[dict]:
        return [{**event.as_message(), "job": str(event.job_id)}
                for event in owner_events_after(user, after=after, limit=BATCH)]

    return fetch


def is_final(message: dict) -> bool:
    return message["type"] == "status" and message["data"].get("status") in TERMINAL


async def tail(fetch: Fetch, after: int, wake: asyncio.Event, *, poll: float,
               until_final: bool) -> AsyncIterator[dict | None]:
    """Yield each event after `after`, in order, as it is stored.

    Between reads it waits for `wake` (set by a channel-layer wake-up) or `poll`
    seconds, and yields None after each such wait, so a caller can send keep-alives.
    With `until_final` it ends once the job's final status and everything stored with
    it have been yielded.
    """
    ended = False
    while True:
        wake.clear()
        rows = await fetch(after)
        for row in rows:
            yield row
            after = row["id"]
            ended = ended or (until_final and is_final(row))
        if len(rows) == BATCH:
            continue
        if ended:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=poll)
        yield None


class LayerWakeups:
    """Wake-ups from the channel layer for code that is not a consumer (the SSE view).

    With a cross-process layer (Redis) it joins `groups` on a channel of its own
    and sets `event` on every message; with the in-memory layer it does nothing
    and the caller polls.
    """

    def __init__(self, groups: list[str]) -> None:
        self.groups = groups
        self.event = asyncio.Event()
        self._layer = get_channel_layer()
        self._channel: str | None = None
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> LayerWakeups:
        if self._layer is not None and not isinstance(self._layer, InMemoryChannelLayer):
            try:
                self._channel = await self._layer.new_channel()
                for group in self.groups:
                    await self._layer.group_add(group, self._channel)
                self._task = asyncio.create_task(self._listen())
            except Exception:  # a down Redis: the stream still polls the table
                logger.warning("channel layer unavailable; the stream polls", exc_info=True)
                self._channel = None
        return self

    async def _listen(self) -> None:
        while True:
            await self._layer.receive(self._channel)
            self.event.set()

    async def __aexit__(self, *exc_info) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._channel is not None:
            for group in self.groups:
                with contextlib.suppress(Exception):
                    await self._layer.group_discard(group, self._channel)
