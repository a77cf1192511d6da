"""Real processes against the test database: a qcluster worker, a daphne server.

The test database must be visible to them, so these tests use committed
transactions (`transactional_db`) and a file-backed SQLite (config.settings.test)
or PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf

ROOT = Path(__file__).resolve().parent.parent.parent


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Starts child processes with the test database and stops them all at the end."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []
        self.extra_env: dict[str, str] = {}  # e.g. REDIS_URL for the production layout

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env.pop("REDIS_URL", None)
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.base",
            DATABASE_URL=database_url(),
            SECRET_KEY=settings.SECRET_KEY,  # task signatures must verify across processes
            SITELENS_CREDENTIAL_KEYS=",".join(settings.SITELENS_CREDENTIAL_KEYS),  # and secrets
            SITELENS_ALLOWED_TARGETS=settings.SITELENS_ALLOWED_TARGETS,
            SITELENS_VAR_DIR=str(self.tmp_path),
            SITELENS_WORKERS="1",
            LOG_LEVEL="WARNING",
        )
        env.update(self.extra_env)
        env.update(extra)
        return env

    def start(self, args: list[str], name: str, **env) -> subprocess.Popen:
        log = open(self.tmp_path / f"{name}.log", "wb")
        proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=self.env(**env),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def qcluster(self, **env) -> subprocess.Popen:
        return self.start(["manage.py", "qcluster"], "qcluster", **env)

    def daphne(self, port: int, *, tls: tuple[Path, Path] | None = None) -> subprocess.Popen:
        """daphne on 127.0.0.1:`port`; with `tls` = (certificate, key), HTTPS and wss."""
        bind = (["-e", f"ssl:port={port}:interface=127.0.0.1:privateKey={tls[1]}"
                       f":certKey={tls[0]}"] if tls else ["-b", "127.0.0.1", "-p", str(port)])
        proc = self.start(["-m", "daphne", *bind, "config.asgi:application"], "daphne")
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not start: " + self.log("daphne"))

    def log(self, name: str) -> str:
        path = self.tmp_path / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            try:  # the group: qcluster's worker children may outlive their parent
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if connection.vendor == "postgresql":
            # A killed worker's server session can linger and block dropping the test DB.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture
def processes(tmp_path, transactional_db, monkeypatch):
    # Tasks go to the ORM broker in the test database instead of running inline.
    monkeypatch.setattr(Conf, "SYNC", False)
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    # `what` may be a callable, to describe the state at the time out (a log, rows).
    raise AssertionError(f"timed out after {timeout}s waiting for "
                         f"{what() if callable(what) else what}")
