"""The whole-request deadline: a timer that shuts a request's socket down when it fires.

Socket timeouts only bound a single ``recv``; a server that sends one header byte
every few seconds would otherwise hold a worker forever. The client's connection
classes register their connection with the current request's watchdog (a
thread-local, because urllib3 picks the pooled connection deep inside ``urlopen``).
"""

from __future__ import annotations

import socket
import threading
from typing import Any

current = threading.local()


class Watchdog:
    """Kills the socket of one request when the whole-request deadline passes.

    Socket timeouts only bound a single ``recv``; a server that sends one header
    byte every few seconds would otherwise hold a worker forever. The watchdog
    learns the connection from the connection classes below (via a thread-local,
    because urllib3 picks the pooled connection deep inside ``urlopen``) and
    shuts the socket down at the deadline, which unblocks the reading thread.
    """

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._conn: Any = None
        self._done = False
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def attach(self, conn: Any) -> None:
        with self._lock:
            self._conn = conn
            if self.fired:
                raise TimeoutError("request deadline exceeded")

    def check(self) -> None:
        with self._lock:
            if self.fired:
                self._kill()
                raise TimeoutError("request deadline exceeded")

    def _kill(self) -> None:
        sock = getattr(self._conn, "sock", None)
        if sock is not None:
            try:
                # The plain-socket method, so TLS state is not torn down under
                # a reader that is still inside SSLSocket.read.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            self._kill()

    def cancel(self) -> None:
        with self._lock:
            self._done = True
        self._timer.cancel()
