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
  wire stays the order of the calls, pings and the closing frame included.
  permessage-deflate (which daphne does not offer today) takes autobahn's own
  `sendPreparedMessage`. autobahn's traffic statistics do not count the direct
  writes; daphne does not read them.
* **Back-pressure** (both streams). A subscriber that reads slower than its events
  arrive (a slow link, the replay of a long log) would make the server buffer its whole
  log in memory. Between batches of events the stream waits while more than
  `HIGH_WATER` bytes of the connection wait in Twisted's buffer (`drained()`): a slow
  reader holds back its own stream, and the server keeps at most that and one batch
  for it, not the log.
* **Closing** (WebSocket). autobahn aborts the TCP connection one second after it
  queues the closing frame unless the client has answered it (`closeHandshakeTimeout`),
  and an abort discards what the kernel has not delivered yet. A stream that ends
  waits until its frames have left Twisted's buffer and the kernel's send queue
  (`flushed()`), so a slow reader still gets every one.
* **Stalls.** A client that stops reading altogether would hold its stream (and its
  wake-ups) waiting forever: SSE has no pings to find it out. When nothing of a waiting
  connection's backlog has left for SITELENS_STREAM_STALL_SECONDS (60), the connection
  is aborted; a live client reconnects with the last id it read.

Both waits look at the backlog every `POLL_SECONDS`, and only while it is over its
mark. Twisted's producer API would say when its buffer drains, but a transport takes
one producer, and daphne's HTTP channel stays registered as this one's after the
WebSocket upgrade.

Only a plain socket (TCP or UNIX) qualifies: under TLS the protocol's transport is
Twisted's TLS wrapper, which passes attribute lookups through to the socket beneath it,
so the checks test its type, not its attributes; such connections, and anything else
not as expected, go through the ASGI send as before.

It reaches into Channels (the send beneath its session middleware), daphne (the send
is `partial(Server.handle_reply, protocol)`, `Server.connections`), autobahn
(`send_queue`, `_perMessageCompress`) and Twisted (`FileDescriptor`'s socket and
buffers), all pinned in pyproject.toml. tests/e2e/test_streams.py drives them through a
real daphne: readers too slow for their sockets, one that stops reading, and TLS.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import struct
import termios
import time
from functools import partial
from typing import Self

from autobahn.websocket.protocol import PreparedMessage
from channels.sessions import InstanceSessionWrapper
from daphne.http_protocol import WebRequest
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from django.conf import settings
from twisted.internet.abstract import FileDescriptor

logger = logging.getLogger(__name__)

#: What this module reads of a Twisted socket transport, and of autobahn's protocol.
_TRANSPORT = ("dataBuffer", "offset", "_tempDataLen", "_tempDataBuffer", "socket", "connected",
              "disconnecting", "TLS", "abortConnection")
_AUTOBAHN = ("send_queue", "_perMessageCompress", "sendPreparedMessage", "STATE_OPEN")


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
        server) or the connection is not a plain socket (TLS)."""
        send = past_the_session(send)
        server = getattr(getattr(send, "func", None), "__self__", None)
        if not (isinstance(send, partial) and isinstance(server, Server)
                and getattr(send.func, "__func__", None) is Server.handle_reply
                and len(send.args) == 1 and isinstance(send.args[0], cls.protocols)):
            return None
        protocol = send.args[0]
        transport = getattr(protocol, "transport", None)
        if not (isinstance(transport, FileDescriptor)  # not a TLS wrapper
                and all(hasattr(transport, name) for name in _TRANSPORT)
                and not transport.TLS and cls._fits(protocol)):
            return None
        return cls(server, protocol)

    @classmethod
    def _fits(cls, protocol) -> bool:
        return True

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

    @property
    def undelivered(self) -> int:
        """`buffered`, and what the kernel holds that the peer has not acknowledged
        (SIOCOUTQ; Linux, else 0)."""
        try:
            queued = struct.unpack("i", fcntl.ioctl(self.transport.socket.fileno(),
                                                    termios.TIOCOUTQ, b"\0\0\0\0"))[0]
        except (OSError, ValueError):  # not Linux, or the socket is closed
            queued = 0
        return self.buffered + queued

    async def drained(self) -> None:
        """Until at most HIGH_WATER bytes wait in Twisted's buffer, or the connection
        ends (aborted when it stalls)."""
        await self._until(lambda: self.buffered, self.HIGH_WATER)

    async def flushed(self) -> None:
        """Until everything written has reached the peer's socket, or the connection
        ends (aborted when it stalls)."""
        await self._until(lambda: self.undelivered, 0)

    async def _until(self, backlog, limit: int) -> None:
        stall = settings.SITELENS_STREAM_STALL_SECONDS
        left, since = backlog(), time.monotonic()
        while left > limit and self.is_open:
            await asyncio.sleep(self.POLL_SECONDS)
            now, before, left = time.monotonic(), left, backlog()
            if left < before:
                since = now
            elif now - since >= stall:
                logger.warning("stream aborted: its client read nothing for %d s "
                               "(%d bytes waiting)", stall, left)
                self.transport.abortConnection()
                return


class DaphneWebSocket(DaphneConnection):
    """A WebSocket's write side, which also sends prepared messages."""

    protocols = (WebSocketProtocol,)

    @classmethod
    def _fits(cls, protocol) -> bool:
        return all(hasattr(protocol, name) for name in _AUTOBAHN)

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
                or transport._tempDataBuffer
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
