"""The embedded default's shared cache: Django's database cache whose `set` is one
upsert and which keeps live entries however many there are."""

import time

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.dbcache import DatabaseCache


def _rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sitelens_cache")
        return cursor.fetchone()[0]


def test_a_write_is_one_statement_and_reads_back(shared_cache):
    assert isinstance(shared_cache, DatabaseCache)
    with CaptureQueriesContext(connection) as first:
        shared_cache.set("counter", {1: 2})
    with CaptureQueriesContext(connection) as second:
        shared_cache.set("counter", {1: 3, 2: 1})
    assert len(first) == len(second) == 1
    assert shared_cache.get("counter") == {1: 3, 2: 1}
    assert shared_cache.add("n", 5) and not shared_cache.add("n", 7)
    assert shared_cache.incr("n") == 6 and shared_cache.get("n") == 6
    assert _rows() == 2


def test_an_entry_expires_and_expired_rows_are_cleaned_up(shared_cache, monkeypatch):
    shared_cache.set("short", "x", timeout=1)
    shared_cache.set("unread", "z", timeout=1)
    shared_cache.set("forever", "y", timeout=None)
    assert shared_cache.get("short") == "x"
    time.sleep(2.1)  # the table keeps whole seconds
    assert shared_cache.get("short") is None and shared_cache.get("forever") == "y"
    monkeypatch.setattr(shared_cache, "CLEAN_EVERY", 1)
    shared_cache.set("live", "w", timeout=60)  # and "unread", expired, leaves the table
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM sitelens_cache ORDER BY cache_key")
        keys = [row[0] for row in cursor.fetchall()]
    assert keys == [shared_cache.make_key(k) for k in ("forever", "live")]


def test_live_entries_stay_however_many_there_are(shared_cache):
    # Django's culls a third of the live entries once the table holds MAX_ENTRIES (300):
    # rate-limit counters among them.
    for backend, survivors in ((DjangoDatabaseCache, "fewer"), (DatabaseCache, "all")):
        cache = backend("sitelens_cache", {})
        cache.clear()
        for n in range(400):
            cache.set(f"throttle:{n}", n, timeout=60)
        alive = sum(cache.get(f"throttle:{n}") == n for n in range(400))
        assert (alive == 400) == (survivors == "all"), backend


def test_expired_rows_are_cleaned_up_by_a_process_that_makes_a_cache_per_request(
        shared_cache, monkeypatch):
    # The web process makes a cache object per request: the count of writes is the
    # process's, so its requests clean up too.
    shared_cache.set("unread", "z", timeout=1)
    time.sleep(2.1)
    monkeypatch.setattr(DatabaseCache, "CLEAN_EVERY", 3)
    for n in range(3):
        DatabaseCache("sitelens_cache", {}).set(f"request-{n}", n, timeout=60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sitelens_cache WHERE cache_key LIKE %s",
                       ["%unread"])
        assert cursor.fetchone()[0] == 0
