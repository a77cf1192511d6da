"""Tailing the event log for the live streams (WebSocket and Server-Sent Events).

Both streams read events from the event table, never from a channel-layer message:
the layer only wakes them up. So a message lost by the layer, a layer that cannot
cross processes (the embedded in-memory one, where the stream polls instead), or a
client that reconnects with the last id it saw all end the same way: every event
once, in order. The WebSocket consumers and the SSE view share `tail` and differ
only in how they write an event out.

With Redis one event wakes every subscriber of its job at once, so a process
subscribes to a group once for all its streams (`_Subscriptions`), and the
subscribers of one job that read from the same position share one query
(`_SharedReads`): with 1000 subscribers, one channel-layer message and one read per
event and process instead of 1000 of each (benchmarks/fanout.py, README "API under
load and live fan-out").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from apps.jobs.events import events_after, owner_events_after
from apps.jobs.models import TERMINAL, Job

if TYPE_CHECKING:
    from autobahn.websocket.protocol import PreparedMessage

logger = logging.getLogger(__name__)

BATCH = 200

#: fetch(after, announced, waiter): resolve `waiter` with the events after `after` (a
#: list of `StreamEvent`, or the read's exception). `announced` is the newest event id a
#: wake-up told the caller about (0: none), which the read must be able to see. The read
#: may be shared with other waiters: a waiter cancelled (its subscriber left) cancels
#: only itself.
Fetch = Callable[[int, int, asyncio.Future], None]


class StreamEvent:
    """One stored event as the streams send it: the message, and its WebSocket text and
    Server-Sent Events frame, each made on first use and then kept. Subscribers at one
    position share one read (`_SharedReads`) and so the same objects: with 1000
    subscribers an event is encoded (and framed) once per process, not 1000 times."""

    __slots__ = ("id", "message", "_text", "_sse", "_frame")

    def __init__(self, message: dict) -> None:
        self.id: int = message["id"]
        self.message = message
        self._text: str | None = None
        self._sse: bytes | None = None
        self._frame: PreparedMessage | None = None

    @property
    def text(self) -> str:
        """The WebSocket message: the JSON Channels' `send_json` made before."""
        if self._text is None:
            self._text = json.dumps(self.message)
        return self._text

    @property
    def frame(self) -> PreparedMessage:
        """`text` framed once as a server's WebSocket message (autobahn's broadcast API;
        sent by apps.jobs.connection under daphne)."""
        if self._frame is None:
            from autobahn.websocket.protocol import PreparedMessage  # web process only

            self._frame = PreparedMessage(self.text.encode(), isBinary=False,
                                          applyMask=False, doNotCompress=False)
        return self._frame

    @property
    def sse(self) -> bytes:
        """The event as a Server-Sent Events frame (the format is in apps.jobs.sse)."""
        if self._sse is None:
            payload = json.dumps(self.message, separators=(",", ":"))
            self._sse = (f"id: {self.id}\nevent: {self.message['type']}\n"
                         f"data: {payload}\n\n").encode()
        return self._sse

    @property
    def is_final(self) -> bool:
        return (self.message["type"] == "status"
                and self.message["data"].get("status") in TERMINAL)


class Wake:
    """What wakes a tail: a channel-layer message, which names the newest event id it
    announces, or nothing (the tail polls).

    A tail waiting here hands over the read it will make next (`wait(read=...)`), and a
    wake-up starts that read itself and resolves the tail's wait with its events: with
    1000 subscribers woken by one event, each is resumed once, with its events, instead
    of once to ask for them and again to get them. The poll timer is re-armed lazily
    (one timer per `timeout`, not one per wait), and a future and a timer handle stand
    in for `asyncio.wait_for(event.wait())`, which makes a task per wait."""

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future | None = None
        self._read: Callable[[int, asyncio.Future], None] | None = None
        self._deadline = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self.announced = 0

    def set(self, announced: int | None = None) -> None:
        if isinstance(announced, int):
            self.announced = max(self.announced, announced)
        waiter, read = self._waiter, self._read
        if waiter is None or waiter.done():
            self._set = True
            return
        self._waiter = self._read = None
        if read is None:
            self._set = True
            waiter.set_result(None)
        else:
            # Started after the wake-up, so after the announced event's commit: the
            # read sees it, and this wake-up is spent.
            try:
                read(self.announced, waiter)
            except Exception as exc:  # the tail raises it, not the channel-layer listener
                waiter.set_exception(exc)

    def take(self) -> int:
        """Clear the wake-up and return the newest event id announced so far."""
        self._set = False
        return self.announced

    async def wait(self, timeout: float,
                   read: Callable[[int, asyncio.Future], None] | None = None) -> list | None:
        """Until set (now, if it is) or `timeout` seconds passed. None if the caller
        must read (or poll) itself; with `read`, a wake-up while waiting calls
        `read(announced, waiter)` and the wait returns what the read resolves it with."""
        if self._set:
            return None
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        self._read = read
        self._deadline = loop.time() + timeout
        if self._timer is not None and self._timer.when() > self._deadline:
            self._timer.cancel()
            self._timer = None
        if self._timer is None:
            self._timer = loop.call_at(self._deadline, self._expire)
        try:
            return await waiter
        finally:
            if self._waiter is waiter:
                self._waiter = self._read = None

    def _expire(self) -> None:
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done():
            return  # nobody waits: the next wait arms the timer again
        loop = waiter.get_loop()
        if loop.time() < self._deadline:  # waited again since the timer was armed
            self._timer = loop.call_at(self._deadline, self._expire)
            return
        self._waiter = self._read = None
        waiter.set_result(None)


def _resolve(waiter: asyncio.Future, done: asyncio.Future) -> None:
    """Pass what `done` ended with to `waiter`, unless the waiter gave up."""
    if waiter.done():
        return
    if done.cancelled():
        waiter.cancel()
    elif done.exception() is not None:
        waiter.set_exception(done.exception())
    else:
        waiter.set_result(done.result())


class _Read:
    """A read under way: the newest event id its starter had been told about, and the
    waiters it will resolve."""

    __slots__ = ("announced", "waiters")

    def __init__(self, announced: int) -> None:
        self.announced = announced
        self.waiters: list[asyncio.Future] = []


class _SharedReads:
    """Concurrent reads of one job's events from one position, in this process, as one
    query.

    A caller joins a read already under way only if that read was started by a caller
    that had been woken for an event at least as new as its own (`announced`): such a
    read began after that event's row was committed, so it sees it. A read that began
    earlier might not, and the caller would then wait for the next wake-up with a row
    unread. The read runs as a task of its own and resolves each waiter when it ends,
    so a subscriber that leaves (its waiter cancelled) does not cancel it for the
    others; the rows are shared and read-only.
    """

    def __init__(self) -> None:
        self._running: dict[tuple[str, int], _Read] = {}

    def read(self, job_id: str, after: int, announced: int,
             load: Callable[[str, int], Awaitable[list[StreamEvent]]],
             waiter: asyncio.Future) -> None:
        key = (job_id, after)
        running = self._running.get(key)
        if running is None or running.announced < announced:
            running = self._running[key] = _Read(announced)
            task = asyncio.ensure_future(load(job_id, after))
            task.add_done_callback(partial(self._done, key, running))
        running.waiters.append(waiter)

    def _done(self, key: tuple[str, int], running: _Read, task: asyncio.Future) -> None:
        if self._running.get(key) is running:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved: the waiters raise it
        _resolve_in_slices(running.waiters, task, 0)


#: Waiters resumed per turn of the event loop (see `_resolve_in_slices`).
SLICE = 64


def _resolve_in_slices(waiters: list[asyncio.Future], done: asyncio.Future, start: int) -> None:
    """Resolve `waiters` in order, SLICE per turn of the event loop.

    daphne (Twisted) writes a frame only on the loop's next turn, so resuming 1000
    subscribers in one turn sends nothing until the 1000th has queued its frame;
    a slice at a time, the first frames leave while later subscribers are resumed."""
    for waiter in waiters[start:start + SLICE]:
        _resolve(waiter, done)
    if start + SLICE < len(waiters):
        done.get_loop().call_soon(_resolve_in_slices, waiters, done, start + SLICE)


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


@database_sync_to_async
def _load_job_events(job_id: str, after: int) -> list[StreamEvent]:
    return [StreamEvent(event.as_message())
            for event in events_after(job_id, after=after, limit=BATCH)]


def job_events(job_id: str) -> Fetch:
    """Reads of one job's events, shared with the other subscribers of this process."""
    reads = _for_this_loop()[1]

    def fetch(after: int, announced: int, waiter: asyncio.Future) -> None:
        reads.read(job_id, after, announced, _load_job_events, waiter)

    return fetch


def owner_events(user) -> Fetch:
    @database_sync_to_async
    def load(after: int) -> list[StreamEvent]:
        return [StreamEvent({**event.as_message(), "job": str(event.job_id)})
                for event in owner_events_after(user, after=after, limit=BATCH)]

    def fetch(after: int, announced: int, waiter: asyncio.Future) -> None:
        asyncio.ensure_future(load(after)).add_done_callback(partial(_resolve, waiter))

    return fetch


async def _read(fetch: Fetch, after: int, announced: int) -> list[StreamEvent]:
    waiter = asyncio.get_running_loop().create_future()
    fetch(after, announced, waiter)
    return await waiter


async def tail(fetch: Fetch, after: int, wake: Wake, *, poll: float,
               until_final: bool) -> AsyncIterator[list[StreamEvent]]:
    """Yield the events after `after`, in order, as they are stored: a list per read,
    which a caller may write out in one go.

    Between reads it waits for `wake` (set by a channel-layer wake-up) or `poll`
    seconds; a read after such a wait that found nothing yields an empty list, so a
    caller can send keep-alives. With `until_final` it ends once the job's final
    status and everything stored with it have been yielded.
    """
    ended = False
    rows = await _read(fetch, after, wake.take())
    while True:
        if rows:
            after = rows[-1].id
            ended = ended or (until_final and any(row.is_final for row in rows))
        yield rows
        if len(rows) < BATCH:
            if ended:
                return
            # A wake-up during the wait reads for us (see Wake); None: read here.
            woken = await wake.wait(poll, read=partial(fetch, after))
            if woken is not None:
                rows = woken
                continue
        rows = await _read(fetch, after, wake.take())


class _Subscription:
    """This process's one channel in one group: every message sets the wake of each
    stream of this process that subscribed to the group."""

    def __init__(self, layer, group: str) -> None:
        self.layer, self.group = layer, group
        self.wakes: set[Wake] = set()
        self.channel: str | None = None
        self.listener: asyncio.Task | None = None
        self.joined = asyncio.ensure_future(self._join())

    async def _join(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.listener = asyncio.ensure_future(self._listen())

    async def _listen(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            for wake in list(self.wakes):
                wake.set(message.get("id"))

    async def close(self) -> None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.joined
        if self.listener is not None:
            self.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.listener
        if self.channel is not None:
            with contextlib.suppress(Exception):
                await self.layer.group_discard(self.group, self.channel)


class _Subscriptions:
    """The channel-layer subscriptions of this process (of its event loop), one per group.

    Each stream used to join its job's group on a channel of its own, so one event was
    one channel-layer message per subscriber, each dispatched through Channels'
    per-message machinery (tasks, waits, a hop to the sync thread): with 1000
    subscribers about a third of a millisecond each, 1000 times per event. Now the
    process joins a group once and the message sets every local subscriber's `Wake`.
    """

    def __init__(self) -> None:
        self._by_group: dict[tuple[int, str], _Subscription] = {}

    async def join(self, groups: list[str], wake: Wake) -> bool:
        """Wake `wake` on every message to `groups`. False with an in-memory layer
        (it cannot cross processes; the caller polls); raises if the layer fails."""
        layer = get_channel_layer()
        if layer is None or isinstance(layer, InMemoryChannelLayer):
            return False
        try:
            for group in groups:
                key = (id(layer), group)
                subscription = self._by_group.get(key)
                if subscription is None or subscription.joined.cancelled() or (
                        subscription.joined.done() and subscription.joined.exception()):
                    subscription = self._by_group[key] = _Subscription(layer, group)
                subscription.wakes.add(wake)
                await asyncio.shield(subscription.joined)
        except BaseException:
            await self.leave(groups, wake)
            raise
        return True

    async def leave(self, groups: list[str], wake: Wake) -> None:
        # Looked up by the wake, not by the current layer: a layer replaced meanwhile
        # (settings overridden in a test) must not leave the old subscription open.
        for key, subscription in list(self._by_group.items()):
            if key[1] not in groups or wake not in subscription.wakes:
                continue
            subscription.wakes.discard(wake)
            if not subscription.wakes:
                del self._by_group[key]
                await subscription.close()


_per_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _for_this_loop() -> tuple[_Subscriptions, _SharedReads]:
    """The shared subscriptions and reads of the running event loop (daphne has one;
    tests start a loop per test, and a task of one loop cannot be awaited in another)."""
    loop = asyncio.get_running_loop()
    shared = _per_loop.get(loop)
    if shared is None:
        shared = _per_loop[loop] = (_Subscriptions(), _SharedReads())
    return shared


async def join_wakeups(groups: list[str], wake: Wake) -> bool:
    return await _for_this_loop()[0].join(groups, wake)


async def leave_wakeups(groups: list[str], wake: Wake) -> None:
    await _for_this_loop()[0].leave(groups, wake)


class LayerWakeups:
    """Wake-ups from the channel layer for code that is not a consumer (the SSE view):
    `wake` is set on every message to `groups`. With the in-memory layer, or a Redis
    that is down, nothing wakes it and the caller polls."""

    def __init__(self, groups: list[str]) -> None:
        self.groups = groups
        self.wake = Wake()

    async def __aenter__(self) -> LayerWakeups:
        try:
            await join_wakeups(self.groups, self.wake)
        except Exception:  # a down Redis: the stream still polls the table
            logger.warning("channel layer unavailable; the stream polls", exc_info=True)
        return self

    async def __aexit__(self, *exc_info) -> None:
        await leave_wakeups(self.groups, self.wake)
