"""The web process reuses its connections across requests: SQLite through
`apps.core.sqlite_pool`, Redis (the cache) through `config.redis.SharedConnectionPool`."""

import os
import subprocess
import sys
import threading

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db.utils import ConnectionHandler

from apps.core.sqlite_pool.base import DatabaseWrapper


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker):
    """These tests open SQLite files of their own, not the test database."""
    with django_db_blocker.unblock():
        yield


def _database(tmp_path, pool: int = 2):
    return ConnectionHandler({"default": {"ENGINE": "apps.core.sqlite_pool",
                                          "NAME": str(tmp_path / "pooled.sqlite3"),
                                          "OPTIONS": {"pool": pool}}})["default"]


def test_it_hands_a_closed_connection_to_the_next_request(tmp_path):
    database = _database(tmp_path)
    database.ensure_connection()
    first = database.connection
    database.close()
    database.ensure_connection()
    assert database.connection is first
    database.close()


def test_a_connection_from_another_thread_is_reused(tmp_path):
    # Under ASGI every request runs in a thread of its own: the pool is per process.
    opened = []

    def request():
        database = _database(tmp_path)
        database.ensure_connection()
        opened.append(database.connection)
        database.close()

    for _ in range(2):
        thread = threading.Thread(target=request)
        thread.start()
        thread.join()
    assert opened[0] is opened[1]


def test_it_does_not_keep_a_connection_closed_inside_a_transaction(tmp_path):
    database = _database(tmp_path)
    database.ensure_connection()
    first = database.connection
    database.connection.execute("BEGIN")
    database.close()
    database.ensure_connection()
    assert database.connection is not first and not database.connection.in_transaction
    database.close()


def test_a_reused_connection_has_foreign_keys_on_again(tmp_path):
    database = _database(tmp_path)
    database.ensure_connection()
    database.connection.execute("PRAGMA foreign_keys = OFF")
    database.close()
    database.ensure_connection()
    assert database.connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
    database.close()


def test_it_keeps_no_more_idle_connections_than_its_size(tmp_path):
    databases = [_database(tmp_path, pool=1) for _ in range(2)]
    for database in databases:
        database.ensure_connection()
    for database in databases:
        database.close()
    assert len(DatabaseWrapper._pools[str(tmp_path / "pooled.sqlite3")].connections) == 1


@pytest.mark.redis
def test_every_cache_object_shares_one_redis_pool():
    # The web process makes a cache object per request; each used to connect anew.
    url = os.environ["REDIS_TEST_URL"]
    params = {"OPTIONS": {"pool_class": "config.redis.SharedConnectionPool"}}
    first, second = RedisCache(url, params), RedisCache(url, params)
    first.set("pool-probe", 1)
    assert second.get("pool-probe") == 1
    assert first._cache._get_connection_pool(True) is second._cache._get_connection_pool(True)


@pytest.mark.parametrize("database_url", ["sqlite:///pool-check.sqlite3",
                                          "postgres://postgres@127.0.0.1:5432/unused"])
def test_the_worker_never_pools_whatever_the_environment_says(tmp_path, database_url):
    """qcluster forks its workers after its sentinel has used the database, and a pool's
    connections and threads do not survive a fork (the workers hung): a DB_POOL_SIZE in
    the environment (meant for the web processes, or inherited) must not reach it."""
    code = ("import sys; sys.argv = ['manage.py', 'COMMAND'];"
            "from django.conf import settings; d = settings.DATABASES['default'];"
            "print(d['ENGINE'], (d.get('OPTIONS') or {}).get('pool'))")
    env = {**os.environ, "DB_POOL_SIZE": "10", "DATABASE_URL": database_url,
           "DJANGO_SETTINGS_MODULE": "config.settings.base", "SITELENS_VAR_DIR": str(tmp_path)}

    def settings_for(command: str) -> str:
        return subprocess.run([sys.executable, "-c", code.replace("COMMAND", command)], env=env,
                              capture_output=True, text=True, check=True).stdout.strip()

    assert settings_for("qcluster").endswith(" None")
    assert not settings_for("migrate").endswith(" None")  # the same environment pools elsewhere
