"""The web process (ASGI) keeps no database connection across requests; on PostgreSQL
it draws them from a pool instead."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = ("from django.conf import settings; d = settings.DATABASES['default']; "
         "print(d['CONN_MAX_AGE'], d.get('OPTIONS', {}).get('pool', {}).get('max_size'))")


def _database_settings(module: str | None, **env: str) -> str:
    env = {**{k: v for k, v in os.environ.items() if k != "DB_POOL_SIZE"},
           "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused", "DB_CONN_MAX_AGE": "60",
           **env}
    setup = "import config.asgi; " if module == "asgi" else "import django; django.setup(); "
    return subprocess.run([sys.executable, "-c", setup + PROBE], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_the_asgi_application_pools_connections_instead_of_keeping_them():
    # A connection kept by a finished request thread is never closed (PostgreSQL then
    # refuses "too many clients"); a pooled one goes back to the pool at the request's end.
    assert _database_settings("asgi") == "0 10"
    assert _database_settings("asgi", DB_POOL_SIZE="4") == "0 4"
    assert _database_settings("asgi", DB_POOL_SIZE="0") == "0 None"


def test_elsewhere_the_persistent_connection_setting_is_honoured():
    assert _database_settings(None) == "60 None"


def test_the_web_process_settings_do_not_leak_into_child_processes():
    # Through os.environ they reached every process the web process (or a test process
    # that imported config.asgi) started: the e2e qcluster once ran with a pool.
    probe = ("import os, config.asgi; "
             "print(os.environ.get('DB_POOL_SIZE'), os.environ.get('DB_CONN_MAX_AGE'))")
    env = {k: v for k, v in os.environ.items() if k not in ("DB_POOL_SIZE", "DB_CONN_MAX_AGE")}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True, text=True,
                         capture_output=True,
                         env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.base",
                              "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"})
    assert out.stdout.strip() == "None None"
