"""The shared cache of the embedded default: Django's database cache, with a `set` of
one statement.

The rate-limit counters (apps.accounts.throttles) write on every API request. Django's
`DatabaseCache.set` counts the table's rows, then reads the key and updates or inserts
it in a transaction: four statements and a transaction per write, which cost the API
a tenth of its requests/s against the bare view (benchmarks/README.md, api.py). Here it
is one upsert (`INSERT ... ON CONFLICT (cache_key) DO UPDATE`, SQLite >= 3.24 and
PostgreSQL), atomic on its own.

Django culls the table whenever it holds more than MAX_ENTRIES (300) rows, deleting a
third of the *live* entries by key order: rate-limit counters of busy minutes among
them, so a limit would silently restart. Here live entries stay until they expire, and
the expired ones are deleted every CLEAN_EVERY writes of a process. Every entry Sitelens
and django-q2 write has a timeout (at most two hours).

`get`, `add`, `incr`, `touch` and `delete` are Django's.
"""

from __future__ import annotations

import base64
import itertools
import pickle
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache.backends import db
from django.db import DatabaseError, connections, router
from django.utils.timezone import now as tz_now

UPSERT_VENDORS = ("sqlite", "postgresql")


class DatabaseCache(db.DatabaseCache):
    CLEAN_EVERY = 500
    # Counted per process, not per instance: Django makes a cache object per request
    # context in the web process, whose own count would never reach CLEAN_EVERY.
    _writes = itertools.count(1)

    def set(self, key, value, timeout=db.DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        connection = connections[router.db_for_write(self.cache_model_class)]
        if connection.vendor not in UPSERT_VENDORS:
            self._base_set("set", key, value, timeout)
            return
        timeout = self.get_backend_timeout(timeout)  # as Django's: an absolute time
        expires = (datetime.max if timeout is None else datetime.fromtimestamp(
            timeout, tz=UTC if settings.USE_TZ else None)).replace(microsecond=0)
        value = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        quote = connection.ops.quote_name
        table, key_column = quote(self._table), quote("cache_key")
        try:
            with connection.cursor() as cursor:
                if next(self._writes) % self.CLEAN_EVERY == 0:
                    cursor.execute(f"DELETE FROM {table} WHERE {quote('expires')} < %s",
                                   [connection.ops.adapt_datetimefield_value(tz_now())])
                cursor.execute(
                    f"INSERT INTO {table} ({key_column}, {quote('value')}, {quote('expires')}) "
                    f"VALUES (%s, %s, %s) ON CONFLICT ({key_column}) DO UPDATE SET "
                    f"{quote('value')} = EXCLUDED.{quote('value')}, "
                    f"{quote('expires')} = EXCLUDED.{quote('expires')}",
                    [key, value, connection.ops.adapt_datetimefield_value(expires)])
        except DatabaseError:
            pass  # as Django's: a cache write may fail silently
