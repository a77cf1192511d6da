"""API under load: `GET /api/v1/analyses/{id}` against a bare Django JSON view on the
same daphne process, with wrk.

```sh
.venv/bin/python benchmarks/api.py [--pages 300] [--repeat 3] [--duration 10]
    [--threads 2] [--connections 32]
    [--database-url postgres://postgres@127.0.0.1:5432/sitelens_bench]
    [--redis-url redis://127.0.0.1:6379/14] [--json FILE]
```

1. A fresh database (SQLite in a temp dir, or the PostgreSQL database of
   `--database-url`, dropped and re-created), migrated in its own process.
2. A real, succeeded analysis: the crawl benchmark's generated site (`--pages` pages,
   ~1.1 findings each) audited by `job_run` (every rule, content, scores, report), a
   user whose plan allows 10^9 API requests a minute (the API's throttle runs as in
   production, and never answers 429 here), and an API key.
3. daphne as production starts it (`daphne -b 127.0.0.1 -p <port>
   config.asgi:application`) with `benchmarks.web_settings`: the base settings,
   DEBUG off, and `benchmarks.web_urls`, the production URLs plus `GET /bench/bare`, a
   plain Django view returning a JSON body of the API response's size (the API's
   own response, written to a file the view reads once). `--redis-url` gives the server
   Redis as cache and channel layer, as docker-compose does (the throttle's counters
   then live in Redis instead of the database cache).
4. Both URLs are checked to answer 200 once, then wrk (`/usr/bin/wrk -t2 -c32 -d10s
   --latency`, the API with `-H "Authorization: Api-Key <key>"`) runs against each,
   alternating, `--repeat` times after a 2 s warm-up of each. Reported: requests/s,
   latency p50 / p99, non-2xx responses and socket errors (any makes the run invalid),
   daphne's CPU use, min / median / max of each, and the ratio API / bare per pair
   and of the medians (target >= 0.5).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import crawl  # noqa: E402
import webserver  # noqa: E402

WRK = shutil.which("wrk") or "/usr/bin/wrk"


# --------------------------------------------------------------------------- setup (child)


def _setup(url: str, pages: int) -> None:
    """The analysis the API serves: a real audit of the generated site."""
    import django

    django.setup()
    from apps.accounts.models import ApiKey, Plan, User
    from apps.analyses.models import Finding
    from apps.analyses.options import AnalysisOptions, AnalysisRequest
    from apps.analyses.services import analysis_create
    from apps.jobs.models import Job, Page
    from apps.jobs.runner import job_run

    plan = Plan.objects.create(name="bench", max_pages_per_analysis=pages,
                               max_concurrent_analyses=10, analyses_per_month=1000,
                               api_rate_per_minute=10**9)
    user = User.objects.create_user(email="bench@example.com", password=None, plan=plan)
    request = AnalysisRequest(url=url, options=AnalysisOptions(max_pages=pages, max_depth=20))
    job, _ = analysis_create(user=user, request=request, enqueue=False)
    started = time.perf_counter()
    job_run(job_id=job.pk)
    job = Job.objects.get(pk=job.pk)
    _key, raw = ApiKey.generate(user=user, name="bench")
    webserver.emit({"job_id": str(job.pk), "status": job.status, "key": raw,
                    "pages": Page.objects.filter(job=job).count(),
                    "findings": Finding.objects.filter(job=job).count(),
                    "audit_s": round(time.perf_counter() - started, 1)})


# --------------------------------------------------------------------------- wrk

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict:
    """requests/s, latency percentiles (ms), request count, non-2xx/3xx and socket errors
    from wrk's `--latency` output."""
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
              "requests": int(re.search(r"(\d+) requests in", output).group(1)),
              "non_2xx": 0, "socket_errors": 0}
    for pct in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{pct}%\s+(\S+)", output, re.M)
        result[f"p{pct}_ms"] = round(_ms(found.group(1)), 3) if found else None
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non:
        result["non_2xx"] = int(non.group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    if errors:
        result["socket_errors"] = sum(int(n) for n in errors.groups())
    return result


def run_wrk(url: str, *, headers: list[str], threads: int, connections: int,
            duration: int) -> dict:
    cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    proc = subprocess.run([*cmd, url], capture_output=True, text=True, check=True)
    return {**parse_wrk(proc.stdout), "output": proc.stdout}


def _get(url: str, headers: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


# --------------------------------------------------------------------------- driver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", default="",
                        help="default: a fresh SQLite file in the temp dir; a postgres:// URL "
                             "names a scratch database that is dropped and re-created")
    parser.add_argument("--redis-url", default="",
                        help="Redis as cache and channel layer (a scratch database: flushed)")
    parser.add_argument("--json", default="", help="also write all figures to this file")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temp dir (its database) and the PostgreSQL database")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra environment variable for daphne (A/B of a setting)")
    parser.add_argument("--py-spy", default="",
                        help="a py-spy binary: record daphne during each run (collapsed stacks "
                             "in --profile-dir)")
    parser.add_argument("--profile-dir", default="/tmp")
    parser.add_argument("--child", choices=("setup",), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "setup":
        _setup(args.url, args.pages)
        return

    tmp = Path(tempfile.mkdtemp(prefix="sitelens-api-"))
    site_server = server = None
    report: dict = {"machine": webserver.machine(), "database":
                    "postgresql" if args.database_url else "sqlite",
                    "redis": bool(args.redis_url), "pages": args.pages,
                    "wrk": {"threads": args.threads, "connections": args.connections,
                            "duration_s": args.duration}}
    print(report["machine"], flush=True)
    try:
        crawl.generate_site(tmp / "site", args.pages)
        site_server = crawl.ServerProcess(tmp / "site", "asyncio")
        env = webserver.environment(tmp, database_url=args.database_url,
                                    redis_url=args.redis_url,
                                    SITELENS_ALLOWED_TARGETS=f"127.0.0.1:{site_server.port}")
        webserver.flush_redis(args.redis_url)
        webserver.fresh_database(env, args.database_url)
        setup = webserver.run_child([__file__, "--child", "setup", "--url", site_server.url,
                                     "--pages", str(args.pages)], env)
        site_server.stop()
        site_server = None
        if setup["status"] != "succeeded":
            raise SystemExit(f"the analysis ended {setup['status']}")
        print(f"analysis: {setup['pages']} pages, {setup['findings']} findings, audited in "
              f"{setup['audit_s']} s ({report['database']}"
              f"{', Redis' if args.redis_url else ''})", flush=True)
        report["analysis"] = {k: v for k, v in setup.items() if k != "key"}

        payload_file = tmp / "bare.json"
        server_env = dict(item.split("=", 1) for item in args.server_env)
        server = webserver.Daphne(env, extra_env={
            "SITELENS_BENCH_BARE_PAYLOAD": str(payload_file), **server_env})
        api_url = f"{server.url}/api/v1/analyses/{setup['job_id']}"
        bare_url = f"{server.url}/bench/bare"
        auth = f"Api-Key {setup['key']}"
        status, body = _get(api_url, {"Authorization": auth})
        if status != 200:
            raise SystemExit(f"the API answered {status}")
        payload_file.write_bytes(body)
        bare_status, bare_body = _get(bare_url, {})
        if bare_status != 200 or json.loads(bare_body) != json.loads(body):
            raise SystemExit("the bare view does not answer the API's payload")
        print(f"daphne on {server.url} (pid {server.proc.pid}); response bodies: API "
              f"{len(body)} B, bare {len(bare_body)} B", flush=True)
        report["bytes"] = {"api": len(body), "bare": len(bare_body)}

        targets = {"api": (api_url, [f"Authorization: {auth}"]), "bare": (bare_url, [])}
        for url, headers in targets.values():  # warm-up, not counted
            run_wrk(url, headers=headers, threads=args.threads, connections=args.connections,
                    duration=2)
        runs: dict[str, list[dict]] = {"api": [], "bare": []}
        for n in range(args.repeat):
            for name, (url, headers) in targets.items():
                load = os.getloadavg()[0]
                cpu0 = server.cpu_seconds()
                spy = None
                if args.py_spy:
                    spy = subprocess.Popen(
                        [args.py_spy, "record", "--pid", str(server.proc.pid), "--format", "raw", "--gil",
                         "--rate", "200", "--duration", str(args.duration), "--nonblocking",
                         "-o", str(Path(args.profile_dir) / f"api-bench-{name}-{n + 1}.txt")],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                result = run_wrk(url, headers=headers, threads=args.threads,
                                 connections=args.connections, duration=args.duration)
                result["server_cpu_s"] = round(server.cpu_seconds() - cpu0, 2)
                result["server_cpu_ms_per_request"] = round(
                    result["server_cpu_s"] * 1000 / max(result["requests"], 1), 2)
                if spy is not None:
                    spy.wait()
                result["loadavg_1m_before"] = round(load, 2)
                runs[name].append(result)
                print(f"  {name} #{n + 1}: {result['rps']:8.1f} req/s, p50 "
                      f"{result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms, "
                      f"non-2xx {result['non_2xx']}, socket errors {result['socket_errors']}, "
                      f"daphne CPU {result['server_cpu_s']:.1f} s "
                      f"({result['server_cpu_ms_per_request']:.1f} ms/request), load {load:.2f}", flush=True)
        status, _ = _get(api_url, {"Authorization": auth})  # still 200 after the load
        report["api_status_after"] = status

        print()
        print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency, "
              f"{args.repeat} runs each, alternating")
        print(f"{'':6} {'req/s min / median / max':>28} {'p50 ms (median)':>16} "
              f"{'p99 ms (median)':>16}")
        summary = {}
        for name, rs in runs.items():
            rps = sorted(r["rps"] for r in rs)
            summary[name] = {"rps_min": rps[0], "rps_median": statistics.median(rps),
                             "rps_max": rps[-1],
                             "p50_ms_median": statistics.median(r["p50_ms"] for r in rs),
                             "p99_ms_median": statistics.median(r["p99_ms"] for r in rs)}
            s = summary[name]
            print(f"{name:6} {s['rps_min']:>8.1f} / {s['rps_median']:>7.1f} / "
                  f"{s['rps_max']:>7.1f} {s['p50_ms_median']:>16.2f} "
                  f"{s['p99_ms_median']:>16.2f}")
        pairs = [round(a["rps"] / b["rps"], 3) for a, b in zip(runs["api"], runs["bare"],
                                                                strict=True)]
        ratio = summary["api"]["rps_median"] / summary["bare"]["rps_median"]
        invalid = sum(r["non_2xx"] + r["socket_errors"] for rs in runs.values() for r in rs)
        report.update({"runs": {k: [{x: y for x, y in r.items() if x != "output"} for r in rs]
                                for k, rs in runs.items()},
                       "summary": summary, "ratio_pairs": pairs,
                       "ratio_median": round(ratio, 3), "invalid_responses": invalid})
        print(f"\nratio API / bare: {ratio:.2f} of the medians (target >= 0.5); per pair "
              f"{', '.join(f'{p:.2f}' for p in pairs)}")
        print(f"non-2xx responses + socket errors over all runs: {invalid}; API status after "
              f"the load: {status}")
        if args.json:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(json.dumps(report, indent=2))
    finally:
        if server is not None:
            server.stop()
        if site_server is not None:
            site_server.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            if args.database_url:
                crawl._pg_drop(args.database_url)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
