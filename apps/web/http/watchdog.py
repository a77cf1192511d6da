"""The whole-request deadline: a watchdog that shuts a request's socket down when it fires.

Socket timeouts only bound a single ``recv``; a server that sends one header byte
every few seconds would otherwise hold a worker forever. The client's connection
classes register their connection with the current request's watchdog (a
thread-local, because urllib3 picks the pooled connection deep inside ``urlopen``).

Every watchdog of a process shares one scheduler thread holding the deadlines in a
heap: a thread per request (``threading.Timer``) cost a thread start and join for
every page fetched.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any

current = threading.local()


class _Scheduler:
    """One daemon thread that fires watchdogs at their deadlines, earliest first.

    A cancelled watchdog stays in the heap until its deadline (firing it is then a
    no-op); the heap is compacted when cancelled entries dominate it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Watchdog]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: float, watch: Watchdog) -> None:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sitelens-watchdog", daemon=True
                )
                self._thread.start()
            if len(self._heap) > 1024 and len(self._heap) % 1024 == 0:
                self._heap = [entry for entry in self._heap if not entry[2].done]
                heapq.heapify(self._heap)
            earliest = self._heap[0][0] if self._heap else None
            heapq.heappush(self._heap, (deadline, next(self._seq), watch))
            if earliest is None or deadline < earliest:
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                deadline, _, watch = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            watch.fire()  # outside the scheduler's lock: firing takes the watchdog's own

    def reset(self) -> None:
        """In a forked child: the parent's thread does not exist here."""
        self._cond = threading.Condition(threading.Lock())
        self._heap = []
        self._thread = None


_scheduler = _Scheduler()
os.register_at_fork(after_in_child=_scheduler.reset)


class Watchdog:
    """Kills the socket of one request when the whole-request deadline passes.

    The watchdog learns the connection from the client's connection classes (via a
    thread-local, because urllib3 picks the pooled connection deep inside
    ``urlopen``) and shuts the socket down at the deadline, which unblocks the
    reading thread.
    """

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._conn: Any = None
        self.done = False
        self.fired = False
        _scheduler.add(time.monotonic() + max(seconds, 0.0), self)

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

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            self._kill()

    def cancel(self) -> None:
        with self._lock:
            self.done = True
            self._conn = None  # the heap keeps this watchdog until its deadline, not the socket
