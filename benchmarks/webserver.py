"""What the web load benchmarks (`api.py`, `fanout.py`) share: a fresh database, the
environment of the processes, and daphne started the way production starts it
(`daphne -b ... -p ... config.asgi:application`, as the Dockerfile, docker-compose.yml
and `make run` do), with `benchmarks.web_settings` (the base settings, DEBUG off, plus
the benchmark's peer view).

Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import crawl  # noqa: E402  (the site generator, static server and PostgreSQL helpers)

RESULT_PREFIX = crawl.RESULT_PREFIX


def environment(tmp: Path, *, database_url: str = "", redis_url: str = "",
                **extra: str) -> dict:
    """The environment of every process of one benchmark: a fresh SQLite file in `tmp`
    (or `database_url`), the temp dir as SITELENS_VAR_DIR, Redis (channel layer and
    cache) only when `redis_url` is given, no proxies."""
    env = dict(os.environ)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "REDIS_URL",
                 "DEBUG", "SITELENS_PRODUCTION"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
        "SITELENS_VAR_DIR": str(tmp / "var"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        **extra,
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def fresh_database(env: dict, database_url: str) -> None:
    """Drop and re-create the PostgreSQL database (if one is named), then migrate in a
    process of its own, as before a server starts."""
    if database_url:
        crawl._pg_recreate(database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0", "--noinput"], cwd=ROOT,
                   env=env, check=True)


def flush_redis(redis_url: str) -> None:
    """Empty the benchmark's Redis database (the URL names a scratch one, e.g. /14)."""
    if not redis_url:
        return
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def run_child(args: list[str], env: dict) -> dict:
    """Run `python <args>` and return the JSON it printed after RESULT_PREFIX."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{args[:3]} failed (exit {proc.returncode})")
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit(f"{args[:3]} printed no result:\n{proc.stdout[-2000:]}")


def emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    return crawl._proc_cpu_seconds(pid) or 0.0


class Daphne:
    """One daphne process serving `config.asgi:application` on 127.0.0.1."""

    def __init__(self, env: dict, *, extra_env: dict | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "DJANGO_SETTINGS_MODULE": "benchmarks.web_settings", **(extra_env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
             "config.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"daphne exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit("daphne did not answer /healthz within 60 s")
            time.sleep(0.2)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as file:
            kib = int(file.readline().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (f"Sitelens {crawl._code_version()}, Python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs{mem}, {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
