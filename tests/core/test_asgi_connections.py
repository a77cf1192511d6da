"""The web process (ASGI) keeps no database connection across requests."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = ("import config.asgi; from django.conf import settings; "
         "print(settings.DATABASES['default']['CONN_MAX_AGE'])")


def _conn_max_age(module: str | None) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused", "DB_CONN_MAX_AGE": "60"}
    code = PROBE if module == "asgi" else PROBE.replace("import config.asgi; ", "import django; django.setup(); ")
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_the_asgi_application_disables_persistent_connections():
    # A connection kept by a finished request thread is never closed (PostgreSQL then
    # refuses "too many clients"); elsewhere (the worker) the setting is honoured.
    assert _conn_max_age("asgi") == "0"
    assert _conn_max_age(None) == "60"
