"""Test settings: the base settings with fast hashing and django-q2 in sync mode."""

from config.settings.base import *  # noqa: F403
from config.settings.base import Q_CLUSTER

# MD5 keeps tests fast; PBKDF2 (the default) is there for users that a live server
# with the base settings must log in (browser tests).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SITELENS_EVENT_POLL_SECONDS = 0.05
LOGGING = {"version": 1, "disable_existing_loggers": False}

# End-to-end tests start a real qcluster in another process, which must see the
# test database: keep SQLite's test database in a file, not in memory.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_sitelens.sqlite3")}  # noqa: F405

# Throttle history lives in the cache; tests that check 429 switch to a real cache.
CACHES = {**CACHES, "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}  # noqa: F405

# Connections opened in worker threads (async consumers, sync_to_async) must not
# outlive a test, or PostgreSQL refuses to drop the test database at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Unit tests extract content in-process; tests/analyses/content/test_worker.py and the
# end-to-end tests (base settings) run the content worker processes.
SITELENS_CONTENT_PROCESSES = 0
