"""Who is running a job, and whether that process still lives.

A worker is named ``host:pid:start`` where `start` is the process's start time (in
clock ticks since boot, from /proc). The start time is what tells a live worker
from an unrelated process that was given the same pid after a restart (containers
reuse pids from 1 on every boot, with the same host name): same host and pid with
another start time is a dead worker. Where /proc is missing the name is
``host:pid:`` and only the pid and the heartbeat can tell.
"""

from __future__ import annotations

import os
import socket
from enum import Enum
from functools import cache


class Liveness(Enum):
    ALIVE = "alive"
    DEAD = "dead"
    UNKNOWN = "unknown"  # another machine: only its heartbeat can tell


def process_start_time(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat (start time in clock ticks), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces or ")".
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


@cache
def current_worker() -> str:
    """This process's worker name (cached: a process keeps its identity)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_start_time(pid) or ''}"


def liveness(worker: str) -> Liveness:
    """Whether the process named `worker` is alive, dead, or on another machine."""
    host, pid, start = _parse(worker)
    if host != socket.gethostname() or pid is None:
        return Liveness.UNKNOWN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return Liveness.DEAD
    except PermissionError:
        pass  # exists, owned by someone else: still judged by its start time below
    if start and process_start_time(pid) not in (None, start):
        return Liveness.DEAD  # the pid now belongs to another process
    return Liveness.ALIVE


def _parse(worker: str) -> tuple[str, int | None, str]:
    """(host, pid, start) of ``host:pid:start``; also reads the older ``host:pid``."""
    parts = worker.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit():
        return parts[0], int(parts[1]), parts[2]
    host, _, pid = worker.rpartition(":")
    return host, int(pid) if pid.isdigit() else None, ""
