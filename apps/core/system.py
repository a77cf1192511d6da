"""What the service can say about itself: dependency checks (health, readiness), its
version, and operator statistics.

Each check is timed and reports `{"ok", "latency_ms", ...}`; readiness needs the
database, the shared cache, the task broker and a live qcluster (its heartbeat in
the shared cache, newer than SITELENS_READY_WORKER_SECONDS). Statistics come from the
apps that own the data: each registers a provider here (`register_stats`), so this
module names none of them.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from importlib import metadata

import django
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import connection
from django.utils import timezone
from django_q.brokers import Broker, get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage

STARTED = time.monotonic()

_stats: dict[str, Callable[[], dict]] = {}


def register_stats(name: str, provider: Callable[[], dict]) -> None:
    """`provider()` answers the `name` section of /system/stats."""
    _stats[name] = provider


def stats() -> dict:
    return {name: provider() for name, provider in sorted(_stats.items())}


def _timed(check: Callable[[], dict]) -> dict:
    started = time.monotonic()
    try:
        found = {"ok": True, **(check() or {})}
    except Exception as exc:  # a dependency that is down is the answer, not an error
        found = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    found["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
    return found


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"vendor": connection.vendor}


def _cache() -> dict:
    key = f"system-check-{os.getpid()}"
    shared_cache.set(key, "1", timeout=10)
    if shared_cache.get(key) != "1":
        raise RuntimeError("the cache did not keep what was written to it")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _broker() -> dict:
    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("the broker did not answer")
    return {"kind": type(broker).__name__, "queued": broker.queue_size()}


def live_clusters() -> list:
    """django-q's stats of every cluster whose heartbeat is still in the shared cache
    (each expires a few seconds after its cluster stops).

    Read here rather than with `Stat.get_all()`: django-q2 1.11's `get_stats` removes
    expired entries from the list it is iterating over, so it skips the cluster listed
    right after a dead one, and the first check after a worker dies would miss a live one.
    """
    broker = get_broker()
    if type(broker).get_stats is not Broker.get_stats:  # the Redis broker keeps its own
        packed = broker.get_stats(f"{Conf.Q_STAT}:*") or ()
    elif broker.cache is None:
        return []
    else:
        packed = (broker.get_stat(key) for key in list(broker.cache.get(Conf.Q_STAT) or ()))
    return [SignedPackage.loads(pack) for pack in packed if pack]


def _workers() -> dict:
    """The clusters whose heartbeat is recent."""
    newer_than = timezone.now() - timedelta(seconds=settings.SITELENS_READY_WORKER_SECONDS)
    clusters = [stat for stat in live_clusters() if stat.timestamp >= newer_than]
    if not clusters:
        raise RuntimeError("no qcluster heartbeat in the last "
                           f"{settings.SITELENS_READY_WORKER_SECONDS} s")
    return {"clusters": len(clusters),
            "workers": sum(len(stat.workers or ()) for stat in clusters)}


CHECKS = {"database": _database, "cache": _cache, "broker": _broker, "workers": _workers}


def checks() -> dict:
    return {name: _timed(check) for name, check in CHECKS.items()}


def process() -> dict:
    return {"pid": os.getpid(), "uptime_seconds": round(time.monotonic() - STARTED, 1)}


@cache
def version() -> dict:
    try:
        number = metadata.version("sitelens")
    except metadata.PackageNotFoundError:
        number = "unknown"
    return {"version": number, "commit": _commit(), "django": django.get_version(),
            "python": platform.python_version()}


def _commit() -> str | None:
    """SITELENS_GIT_COMMIT (set by the image build), else the checkout's HEAD."""
    if settings.SITELENS_GIT_COMMIT:
        return settings.SITELENS_GIT_COMMIT
    try:
        found = subprocess.run(["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR,
                               capture_output=True, text=True, timeout=2, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None
