"""The WebSocket connection daphne serves behind a consumer's ASGI send.

ASGI's `send` never blocks: daphne hands every frame to Twisted, which buffers what the
socket does not take yet. For a live stream that has two consequences this module
handles:

* **Back-pressure.** A subscriber that reads slower than its events arrive (a slow
  link, the replay of a long log) would make the server buffer its whole log in
  memory. Between batches of events the stream waits while more than `HIGH_WATER`
  bytes of the connection wait in Twisted's buffer (`drained()`): a slow reader holds
  back its own stream, not the server's memory.
* **Closing.** autobahn drops the TCP connection, unsent frames and all, one second
  after it queues the closing frame unless the client has answered it
  (`closeHandshakeTimeout`). A stream that ends waits until its frames have left for
  the socket (`flushed()`) before it closes, so a slow reader still gets them all.

Both wait by looking at the buffer every `POLL_SECONDS`, and only while it is over its
mark: Twisted's producer API would say when it drains, but after daphne's upgrade the
HTTP channel is still the transport's producer (it stops reading from a client whose
buffer is full). A reader that never reads ends the wait itself: it does not answer
autobahn's pings, and the connection is dropped.

It reaches into daphne (the send is `partial(Server.handle_reply, protocol)`,
`Server.connections`) and Twisted (`FileDescriptor`'s buffers, to know how much is
left), all pinned in pyproject.toml; `behind()` answers None when anything is not
as expected, and the stream runs without either. tests/e2e/test_streams.py drives it
through a real daphne with a reader too slow for its socket.
"""

from __future__ import annotations

import asyncio
from functools import partial

from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol

#: What this module reads of a Twisted TCP transport.
_TRANSPORT = ("dataBuffer", "offset", "_tempDataLen")


class DaphneWebSocket:
    """One connection's write side."""

    HIGH_WATER = 64 * 1024  # Twisted's own FileDescriptor.bufferSize
    POLL_SECONDS = 0.05

    def __init__(self, server: Server, protocol: WebSocketProtocol) -> None:
        self.server, self.protocol, self.transport = server, protocol, protocol.transport

    @classmethod
    def behind(cls, send) -> DaphneWebSocket | None:
        """The connection behind an ASGI `send`, or None when `send` is not daphne's
        (Channels' test communicator, another server)."""
        server = getattr(getattr(send, "func", None), "__self__", None)
        if not (isinstance(send, partial) and isinstance(server, Server)
                and getattr(send.func, "__func__", None) is Server.handle_reply
                and len(send.args) == 1 and isinstance(send.args[0], WebSocketProtocol)
                and all(hasattr(send.args[0].transport, name) for name in _TRANSPORT)):
            return None
        return cls(server, send.args[0])

    @property
    def is_open(self) -> bool:
        """What daphne checks before it sends a reply (handle_reply, serverSend)."""
        connection = self.server.connections.get(self.protocol)
        return (connection is not None and not connection.get("disconnected")
                and self.protocol.state == self.protocol.STATE_OPEN)

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
