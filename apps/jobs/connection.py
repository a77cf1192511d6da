"""The connection daphne serves behind an ASGI send: a WebSocket, or the HTTP response of a
Server-Sent Events stream.

ASGI's `send` never blocks: daphne hands every frame or chunk to Twisted, which buffers
what the socket does not take yet. For the live streams this module handles three things:

* **Sending.** Through ASGI every frame took daphne's `handle_reply` coroutine,
  autobahn's framing of the same text once more, and Twisted's buffered write:
  `transport.write` registers the socket with the event loop (an `epoll_ctl`), and the
  next turn of the loop writes it and unregisters it (another `epoll_ctl`). With 1000
  subscribers at 20 events a second that was ~50 µs a frame, all of one core, and the
  backlog was the latency (benchmarks/README.md, "fanout.py"). `send()` takes an
  event's `PreparedMessage` (autobahn's broadcast API: framed once per event and
  process) and, when nothing waits in autobahn's or Twisted's buffers, hands it to the
  socket at once, as asyncio's transports write. What the socket does not take, and
  every frame behind buffered data, goes through Twisted's buffer, so the order on the
  wire stays the order of the calls, pings and the closing frame included. TLS and
  permessage-deflate (which daphne does not offer today) take autobahn's own
  `sendPreparedMessage`. autobahn's traffic statistics do not count the direct
  writes; daphne does not read them.
* **Back-pressure** (both streams). A subscriber that reads slower than its events
  arrive (a slow link, the replay of a long log) would make the server buffer its whole
  log in memory. Between batches of events the stream waits while more than
  `HIGH_WATER` bytes of the connection wait in Twisted's buffer (`drained()`): a slow
  reader holds back its own stream, not the server's memory.
* **Closing** (WebSocket). autobahn drops the TCP connection, unsent frames and all, one second
  after it queues the closing frame unless the client has answered it
  (`closeHandshakeTimeout`). A stream that ends waits until its frames have left for
  the socket (`flushed()`) before it closes, so a slow reader still gets them all.

Both wait by looking at the buffer every `POLL_SECONDS`, and only while it is over its
mark: Twisted's producer API would say when it drains, but after daphne's upgrade the
HTTP channel is still the transport's producer (it stops reading from a client whose
buffer is full). A reader that never reads ends the wait itself: it does not answer
autobahn's pings, and the connection is dropped.

It reaches into Channels (the send beneath its session middleware), daphne (the send
is `partial(Server.handle_reply, protocol)`, `Server.connections`), autobahn (`send_queue`, `_perMessageCompress`) and Twisted
(`FileDescriptor`'s socket and buffers), all pinned in pyproject.toml. `behind()`
answers None when any of it is not as expected, and the stream then goes through the
ASGI send as before. tests/e2e/test_streams.py drives them through a real daphne, with
readers too slow for their sockets.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Self

from autobahn.websocket.protocol import PreparedMessage
from channels.sessions import InstanceSessionWrapper
from daphne.http_protocol import WebRequest
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol

#: What this module reads of a Twisted TCP transport.
_TRANSPORT = ("dataBuffer", "offset", "_tempDataLen", "_tempDataBuffer", "socket", "connected",
              "disconnecting")


def past_the_session(send):
    """The send beneath Channels' session middleware. Its wrapper reads the session
    (`modified`, `is_empty()`) on every outgoing message but saves it, and sets its
    cookie, only on `http.response.start`: for a WebSocket's frames, or a response's
    body once it has started, that is work without effect (about 8 % of daphne during a
    1000-subscriber fan-out)."""
    wrapper = getattr(send, "__self__", None)
    return wrapper.real_send if isinstance(wrapper, InstanceSessionWrapper) else send


class DaphneConnection:
    """One connection's write side: how much of it waits for the socket."""

    HIGH_WATER = 64 * 1024  # Twisted's own FileDescriptor.bufferSize
    POLL_SECONDS = 0.05
    protocols: tuple[type, ...] = (WebRequest, WebSocketProtocol)

    def __init__(self, server: Server, protocol) -> None:
        self.server, self.protocol, self.transport = server, protocol, protocol.transport

    @classmethod
    def behind(cls, send) -> Self | None:
        """The connection behind an ASGI `send` (through Channels' session middleware),
        or None when `send` is not daphne's (Channels' test communicator, another
        server) or the connection is not plain TCP."""
        send = past_the_session(send)
        server = getattr(getattr(send, "func", None), "__self__", None)
        if not (isinstance(send, partial) and isinstance(server, Server)
                and getattr(send.func, "__func__", None) is Server.handle_reply
                and len(send.args) == 1 and isinstance(send.args[0], cls.protocols)
                and all(hasattr(send.args[0].transport, name) for name in _TRANSPORT)):
            return None
        return cls(server, send.args[0])

    @property
    def is_open(self) -> bool:
        """What daphne checks before it sends a reply (handle_reply)."""
        connection = self.server.connections.get(self.protocol)
        return connection is not None and not connection.get("disconnected")

    @property
    def buffered(self) -> int:
        """Bytes written that the socket has not taken yet."""
        transport = self.transport
        return len(transport.dataBuffer) - transport.offset + transport._tempDataLen

    async def drained(self) -> None:
        """Until at most HIGH_WATER bytes wait for the socket, or the connection ends."""
        await self._until_buffered(self.HIGH_WATER)

    async def flushed(self) -> None:
        """Until every frame written has left for the socket, or the connection ends."""
        await self._until_buffered(0)

    async def _until_buffered(self, limit: int) -> None:
        while self.buffered > limit and self.is_open:
            await asyncio.sleep(self.POLL_SECONDS)


class DaphneWebSocket(DaphneConnection):
    """A WebSocket's write side, which also sends prepared messages."""

    protocols = (WebSocketProtocol,)

    @property
    def is_open(self) -> bool:
        """What daphne checks before it sends a frame (handle_reply, serverSend)."""
        return super().is_open and self.protocol.state == self.protocol.STATE_OPEN

    def send(self, message: PreparedMessage) -> None:
        """Send a prepared message if the connection is open (else drop it, as daphne
        does): straight to the socket when nothing is queued before it."""
        if not self.is_open:
            return
        protocol, transport = self.protocol, self.transport
        if (protocol._perMessageCompress is not None or protocol.send_queue
                or getattr(transport, "TLS", False) or transport._tempDataBuffer
                or len(transport.dataBuffer) != transport.offset
                or not transport.connected or transport.disconnecting):
            protocol.sendPreparedMessage(message)
            return
        data = message.payloadHybi
        try:
            sent = transport.socket.send(data)
        except OSError:  # full (EAGAIN), or reset: Twisted's write finds out and closes
            sent = 0
        if sent < len(data):
            transport.write(data[sent:])
