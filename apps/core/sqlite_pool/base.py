"""Django's SQLite backend with a pool: the connection a finished request closes is
kept for the next request instead of being closed.

Why: under ASGI each request runs its sync code in a thread of its own, so Django
opens a new connection for every request whatever CONN_MAX_AGE says (config/asgi.py).
On SQLite a new connection costs more than the query it serves: connecting and
registering Django's SQL functions, reading the schema at the first statement, and
preparing every statement again (the sqlite3 module caches prepared statements per
connection). Django pools PostgreSQL connections (psycopg_pool), not SQLite ones.

Settings: ENGINE "apps.core.sqlite_pool", OPTIONS["pool"] = the most idle connections
kept per process. A connection goes back to the pool only outside any transaction, and
has foreign keys turned on again when it is taken (something may have turned them
off); an in-memory database is never pooled (Django never closes it).
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base


class _Idle:
    def __init__(self, size: int) -> None:
        self.size, self.connections, self.lock = size, [], threading.Lock()

    def take(self):
        with self.lock:
            return self.connections.pop() if self.connections else None

    def give(self, connection) -> bool:
        with self.lock:
            if len(self.connections) >= self.size:
                return False
            self.connections.append(connection)
            return True


class DatabaseWrapper(base.DatabaseWrapper):
    _pools: dict[str, _Idle] = {}
    _pools_lock = threading.Lock()

    def get_connection_params(self):
        params = super().get_connection_params()
        self._pool_size = params.pop("pool", 0)
        return params

    @property
    def _pool(self) -> _Idle | None:
        if not getattr(self, "_pool_size", 0) or self.is_in_memory_db():
            return None
        with self._pools_lock:
            return self._pools.setdefault(self.settings_dict["NAME"], _Idle(self._pool_size))

    def get_new_connection(self, conn_params):
        pool = self._pool
        connection = pool.take() if pool is not None else None
        if connection is None:
            return super().get_new_connection(conn_params)
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    def _close(self):
        connection, pool = self.connection, self._pool
        if (connection is not None and pool is not None and not self.in_atomic_block
                and not connection.in_transaction and pool.give(connection)):
            return
        super()._close()
