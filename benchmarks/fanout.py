"""Live fan-out: how long an event takes from its row's commit to each subscriber of one
running analysis, through daphne and channels-redis, over WebSocket and SSE.

```sh
.venv/bin/python benchmarks/fanout.py [--ws 1000] [--sse 200] [--events 200] [--rate 20]
    [--repeat 3] [--servers 1] [--redis-url redis://127.0.0.1:6379/14]
    [--database-url postgres://postgres@127.0.0.1:5432/sitelens_bench] [--json FILE]
```

1. A fresh database (SQLite in a temp dir, or the PostgreSQL database of
   `--database-url`, dropped and re-created), migrated in its own process; Redis
   (`--redis-url`, a scratch database that is flushed) as channel layer and cache.
2. A user with an API key and one analysis, claimed so it is `running`.
3. daphne as production starts it (`daphne -b 127.0.0.1 -p <port>
   config.asgi:application`, `benchmarks.web_settings`: the base settings, DEBUG off)
   with REDIS_URL set, as docker-compose runs the web service.
4. Per phase (WebSocket, then SSE) and run: one client process (asyncio; the
   minimal WebSocket reader for `/ws/v1/analyses/<id>/`, a plain HTTP/1.1 reader for
   `/api/v1/analyses/<id>/events/stream`; both authenticate with `Authorization: Api-Key
   <key>`) opens every subscriber and waits until each has been accepted (and has read
   the replay of earlier events). Then an emitter process writes `--events` events at
   `--rate` per second the way the worker does: `apps.jobs.events.emit_many` inside
   `transaction.atomic()`, one event per transaction, a page-shaped payload. Its own
   `transaction.on_commit` callback, registered before `emit_many` registers the
   wake-up, takes the time right after the commit; the emitter keeps event id -> commit
   time to itself and hands the map back when it is done (payloads are not changed).
   Each client notes when each event id arrived (`time.time()`, same machine, same
   clock). Reported: p50 / p95 / p99 / max of arrival - commit over every (client,
   event), events lost (expected but never received within 10 s after the last
   commit; must be 0), the CPU daphne and the client process used from the first
   event to the last delivery (and daphne's per delivered message); min / median / max
   of p95 over `--repeat` runs. Target: p95 < 100 ms.

`--servers N` starts N daphne processes (docker-compose's `--scale web=N`) and spreads
the subscribers over them; channels-redis carries each wake-up to every process.

Every subscriber is a real connection to daphne, so `ulimit -n` is raised
(RLIMIT_NOFILE) for the client and server processes. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import crawl  # noqa: E402
import webserver  # noqa: E402

TARGET = "127.0.0.1:9"  # the analysis's URL: never fetched (no worker runs it)


def raise_nofile(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --------------------------------------------------------------------------- setup (child)


def _setup() -> None:
    import django

    django.setup()
    from apps.accounts.models import ApiKey, Plan, User
    from apps.analyses.options import AnalysisOptions, AnalysisRequest
    from apps.analyses.services import analysis_create

    plan = Plan.objects.create(name="bench", max_concurrent_analyses=10,
                               analyses_per_month=1000, api_rate_per_minute=10**9)
    user = User.objects.create_user(email="bench@example.com", password=None, plan=plan)
    request = AnalysisRequest(url=f"http://{TARGET}/", options=AnalysisOptions(max_pages=100))
    job, _ = analysis_create(user=user, request=request, enqueue=False)
    if not job.claim(worker="benchmark-emitter"):
        raise SystemExit("could not claim the analysis")
    _key, raw = ApiKey.generate(user=user, name="bench")
    webserver.emit({"job_id": str(job.pk), "key": raw})


# --------------------------------------------------------------------------- emitter (child)


def _emit_events(job_id: str, count: int, rate: float, out: str) -> None:
    """Write `count` events at `rate` per second as the worker does; write
    {event id: commit time} to `out`."""
    import django

    django.setup()
    from django.db import transaction

    from apps.jobs import events
    from apps.jobs.models import EventType, Job

    job = Job.objects.get(pk=job_id)
    commits: dict[int, float] = {}
    late = 0
    started = time.monotonic()
    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            late += 1
        committed: list[float] = []
        with transaction.atomic():
            # Runs first among the on_commit callbacks, right after the COMMIT,
            # before the wake-up that emit_many registers.
            transaction.on_commit(lambda done=committed: done.append(time.time()))
            row, = events.emit_many(job, [(EventType.PAGE, {
                "id": 1000 + i, "url": f"http://{TARGET}/articles/{i}.html", "status": 200,
                "depth": 2, "title": f"Article {i}: a page of the benchmark site",
                "error": None, "findings": 2, "violations": {"serious": 1, "moderate": 1},
                "fetch_ms": 12})])
        commits[row.id] = committed[0]
    Path(out).write_text(json.dumps(commits))
    webserver.emit({"events": len(commits), "wall_s": round(time.monotonic() - started, 2),
                    "behind_schedule": late})


# --------------------------------------------------------------------------- clients (child)


_EVENT_ID = re.compile(rb'"id":\s*(\d+)')


async def _ws_client(index: int, url: str, auth: str, arrivals: dict,
                     connected: list, errors: list, gate: asyncio.Semaphore) -> None:
    """A minimal WebSocket client (RFC 6455) that only reads: the handshake, then the
    server's frames (unmasked), answering pings. The `websockets` package spent ~45 us
    of CPU a message here, on the two cores daphne needs: 0.9 of a core at 20 000
    messages a second."""
    parts = urlsplit(url)
    host, port, path = parts.hostname, parts.port or 80, parts.path
    try:
        async with gate:
            reader, writer = await asyncio.open_connection(host, port, limit=2**20)
            key = base64.b64encode(os.urandom(16)).decode()
            writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                          f"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                          f"Authorization: {auth}\r\n\r\n").encode())
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
        status = int(head.split(b" ", 2)[1])
        if status != 101:
            raise RuntimeError(f"WebSocket answered {status}")
        connected.append(index)
        while True:
            first, second = await reader.readexactly(2)
            size = second & 0x7F
            if size == 126:
                size = int.from_bytes(await reader.readexactly(2), "big")
            elif size == 127:
                size = int.from_bytes(await reader.readexactly(8), "big")
            payload = await reader.readexactly(size)
            opcode = first & 0x0F
            if opcode == 0x1:  # one event per text frame (daphne does not fragment them)
                now = time.time()
                arrivals[int(_EVENT_ID.search(payload).group(1))] = now
            elif opcode == 0x9:  # ping: a pong with the same payload, masked
                mask = os.urandom(4)
                writer.write(bytes([0x8A, 0x80 | len(payload)]) + mask
                             + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
            elif opcode == 0x8:  # close
                break
        writer.close()
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # counted and reported: a refused subscriber spoils the run
        errors.append(repr(exc))


async def _sse_client(index: int, host: str, port: int, path: str, auth: str, arrivals: dict,
                      connected: list, errors: list,
                      gate: asyncio.Semaphore) -> None:
    """A minimal HTTP/1.1 client for one event stream (chunked or not)."""
    try:
        async with gate:
            reader, writer = await asyncio.open_connection(host, port, limit=2**20)
            writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                          f"Authorization: {auth}\r\nAccept: text/event-stream\r\n\r\n").encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        if status != 200:
            raise RuntimeError(f"stream answered {status}")
        chunked = b"transfer-encoding: chunked" in head.lower()
        connected.append(index)
        buffer = b""
        while True:
            if chunked:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    break
                data = await reader.readexactly(size + 2)
                buffer += data[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    break
                buffer += data
            now = time.time()
            *events, buffer = buffer.split(b"\n\n")
            for event in events:
                for line in event.split(b"\n"):
                    if line.startswith(b"id: "):
                        arrivals[int(line[4:])] = now
        writer.close()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        errors.append(repr(exc))


async def _clients(kind: str, base: str, job_id: str, auth: str, n: int) -> None:
    """Open `n` subscribers, print READY, then read the commit map from stdin and
    report latencies once every event has arrived everywhere (or 10 s passed)."""
    bases = [b.split("//")[1].split(":") for b in base.split(",")]
    arrivals: list[dict] = [{} for _ in range(n)]
    connected: list = []
    errors: list = []
    gate = asyncio.Semaphore(50)  # handshakes in flight at once
    if kind == "ws":  # subscriber i talks to server i mod len(bases)
        tasks = [asyncio.create_task(_ws_client(
            i, "ws://{}:{}/ws/v1/analyses/{}/".format(*bases[i % len(bases)], job_id), auth,
            arrivals[i], connected, errors, gate)) for i in range(n)]
    else:
        path = f"/api/v1/analyses/{job_id}/events/stream"
        tasks = [asyncio.create_task(_sse_client(
            i, bases[i % len(bases)][0], int(bases[i % len(bases)][1]), path, auth, arrivals[i],
            connected, errors, gate)) for i in range(n)]
    t0 = time.perf_counter()
    while len(connected) + len(errors) < n:
        await asyncio.sleep(0.05)
    connect_s = time.perf_counter() - t0
    # The replay of earlier events (the analysis's queued/running status) has arrived
    # once every subscriber has read at least one event.
    while sum(1 for i in connected if arrivals[i]) < len(connected):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    print(f"READY {len(connected)} {len(errors)} {connect_s:.2f}", flush=True)

    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    commits = {int(k): v for k, v in json.loads(line).items()}
    deadline = time.time() + 10
    while time.time() < deadline and not all(
            all(event_id in arrivals[i] for event_id in commits) for i in connected):
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    latencies, lost = [], 0
    for a in (arrivals[i] for i in connected):
        for event_id, committed in commits.items():
            if event_id in a:
                latencies.append((a[event_id] - committed) * 1000)
            else:
                lost += 1
    latencies.sort()

    def pct(p: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 1)

    webserver.emit({
        "clients": n, "connected": len(connected), "errors": len(errors),
        "error_samples": errors[:3], "connect_s": round(connect_s, 2),
        "deliveries": len(latencies), "lost": lost,
        "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
        "max_ms": round(latencies[-1], 1) if latencies else None,
    })


# --------------------------------------------------------------------------- driver


def run_phase(kind: str, n: int, args, env: dict, setup: dict,
              servers: list[webserver.Daphne], tmp: Path, run: int) -> dict:
    clients = subprocess.Popen(
        [sys.executable, __file__, "--child", "clients", "--kind", kind,
         "--base", ",".join(server.url for server in servers),
         "--job", setup["job_id"], "--clients", str(n)],
        cwd=ROOT, env={**env, "SITELENS_BENCH_KEY": setup["key"]}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        ready = clients.stdout.readline().split()
        if not ready or ready[0] != "READY":
            raise SystemExit(f"{kind} clients did not start: {ready}")
        connected, errors, connect_s = int(ready[1]), int(ready[2]), float(ready[3])
        out = tmp / f"commits-{kind}-{run}.json"
        load = os.getloadavg()[0]
        cpu0 = sum(server.cpu_seconds() for server in servers)
        client_cpu0 = webserver.cpu_seconds(clients.pid)
        emitted = webserver.run_child([__file__, "--child", "emit", "--job", setup["job_id"],
                                       "--events", str(args.events), "--rate", str(args.rate),
                                       "--out", str(out)], env)
        clients.stdin.write(out.read_text() + "\n")
        clients.stdin.flush()
        result = None
        for line in clients.stdout:
            if line.startswith(webserver.RESULT_PREFIX):
                result = json.loads(line[len(webserver.RESULT_PREFIX):])
                # From the first event to the last delivery (or the 10 s wait's end).
                server_cpu = sum(server.cpu_seconds() for server in servers) - cpu0
                client_cpu = webserver.cpu_seconds(clients.pid) - client_cpu0
        clients.wait(60)
    finally:
        if clients.poll() is None:
            clients.kill()
            clients.wait()
    if result is None:
        raise SystemExit(f"{kind} clients printed no result")
    result["server_us_per_delivery"] = round(server_cpu * 1e6 / max(result["deliveries"], 1))
    result.update({"kind": kind, "connected_before": connected, "errors_before": errors,
                   "connect_s": connect_s, "emitter": emitted,
                   "server_cpu_s": round(server_cpu, 2), "client_cpu_s": round(client_cpu, 2),
                   "loadavg_1m_before": round(load, 2)})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ws", type=int, default=1000, help="WebSocket subscribers (0: skip)")
    parser.add_argument("--sse", type=int, default=200, help="SSE subscribers (0: skip)")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="events per second")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14",
                        help="a scratch Redis database (flushed)")
    parser.add_argument("--database-url", default="",
                        help="default: a fresh SQLite file in the temp dir; a postgres:// URL "
                             "names a scratch database that is dropped and re-created")
    parser.add_argument("--servers", type=int, default=1,
                        help="daphne processes (docker-compose --scale web=N); subscribers "
                             "are spread over them round-robin")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra environment variable for daphne (A/B of a setting)")
    parser.add_argument("--json", default="", help="also write all figures to this file")
    parser.add_argument("--child", choices=("setup", "emit", "clients"), help=argparse.SUPPRESS)
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "setup":
        _setup()
        return
    if args.child == "emit":
        _emit_events(args.job, args.events, args.rate, args.out)
        return
    if args.child == "clients":
        raise_nofile(args.clients + 256)
        asyncio.run(_clients(args.kind, args.base, args.job,
                             f"Api-Key {os.environ['SITELENS_BENCH_KEY']}", args.clients))
        return

    nofile = raise_nofile(max(args.ws, args.sse) * 2 + 512)  # inherited by daphne
    tmp = Path(tempfile.mkdtemp(prefix="sitelens-fanout-"))
    servers: list[webserver.Daphne] = []
    report: dict = {"machine": webserver.machine(), "servers": args.servers,
                    "database": "postgresql" if args.database_url else "sqlite",
                    "events": args.events, "rate": args.rate, "nofile": nofile}
    print(report["machine"], flush=True)
    try:
        env = webserver.environment(tmp, database_url=args.database_url,
                                    redis_url=args.redis_url,
                                    SITELENS_ALLOWED_TARGETS=TARGET)
        webserver.flush_redis(args.redis_url)
        webserver.fresh_database(env, args.database_url)
        setup = webserver.run_child([__file__, "--child", "setup"], env)
        server_env = dict(item.split("=", 1) for item in args.server_env)
        for _ in range(args.servers):
            servers.append(webserver.Daphne(env, extra_env=server_env))
        print(f"daphne on {', '.join(s.url for s in servers)} "
              f"(pid {', '.join(str(s.proc.pid) for s in servers)}), Redis {args.redis_url}, "
              f"{report['database']}; {args.events} events at {args.rate:g}/s per run",
              flush=True)
        phases = [(kind, n) for kind, n in (("ws", args.ws), ("sse", args.sse)) if n > 0]
        runs: dict[str, list[dict]] = {kind: [] for kind, _ in phases}
        for run in range(args.repeat):
            for kind, n in phases:
                result = run_phase(kind, n, args, env, setup, servers, tmp, run)
                runs[kind].append(result)
                print(f"  {kind} #{run + 1}: {result['connected']}/{n} subscribed in "
                      f"{result['connect_s']:.1f} s; latency p50 {result['p50_ms']} ms, "
                      f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, max "
                      f"{result['max_ms']} ms; lost {result['lost']}; daphne CPU "
                      f"{result['server_cpu_s']} s ({result['server_us_per_delivery']} us/message), clients CPU {result['client_cpu_s']} s, "
                      f"emitter behind schedule {result['emitter']['behind_schedule']}x; "
                      f"load {result['loadavg_1m_before']}", flush=True)
        print()
        summary = {}
        for kind, rs in runs.items():
            p95 = sorted(r["p95_ms"] for r in rs)
            summary[kind] = {"p95_min": p95[0], "p95_median": statistics.median(p95),
                             "p95_max": p95[-1], "lost": sum(r["lost"] for r in rs),
                             "errors": sum(r["errors"] for r in rs)}
            s = summary[kind]
            print(f"{kind}: {rs[0]['clients']} subscribers, p95 min / median / max "
                  f"{s['p95_min']} / {s['p95_median']} / {s['p95_max']} ms (target < 100), "
                  f"lost {s['lost']}, subscriber errors {s['errors']}")
        report.update({"runs": runs, "summary": summary})
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(report, indent=2))
    finally:
        for server in servers:
            server.stop()
        if args.database_url:
            crawl._pg_drop(args.database_url)
        webserver.flush_redis(args.redis_url)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
