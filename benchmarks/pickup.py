"""Queue pickup: from an analysis being queued (its `enqueued_at`, the commit that hands
it to the broker) to the first event a worker writes (`status: running`), with a real
qcluster running.

```sh
.venv/bin/python benchmarks/pickup.py [--runs 20] [--broker orm|redis]
    [--database-url postgres://postgres@127.0.0.1:5432/sitelens_bench]
```

One process sets up a fresh database (SQLite in a temp dir by default), a one-page local
site, and a qcluster (`manage.py qcluster`, the base settings, one worker); once the
cluster's first analysis has run (its start-up is not what is measured), it queues
`--runs` analyses one after another, each when the previous one has ended, and reports
min / median / max of first-event time minus `enqueued_at`, both written by the
database's clock. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--broker", choices=("orm", "redis"), default="orm")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    import crawl  # the site generator and static server of the crawl benchmark

    tmp = Path(tempfile.mkdtemp(prefix="sitelens-pickup-"))
    crawl.generate_site(tmp / "site", 1)
    server = crawl.ServerProcess(tmp / "site", "asyncio")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'pickup.sqlite3'}",
           "SITELENS_VAR_DIR": str(tmp / "var"), "SITELENS_WORKERS": "1",
           "SITELENS_ALLOWED_TARGETS": f"127.0.0.1:{server.port}", "LOG_LEVEL": "WARNING",
           "SITELENS_BROKER": args.broker}
    if args.broker == "redis":
        env["REDIS_URL"] = args.redis_url
    else:
        env.pop("REDIS_URL", None)
    os.environ.update(env)
    if args.database_url:
        crawl._pg_recreate(args.database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        import django
        django.setup()
        from apps.accounts.models import Plan, User
        from apps.analyses.options import AnalysisOptions, AnalysisRequest
        from apps.analyses.services import analysis_create
        from apps.jobs.models import TERMINAL, JobEvent

        plan = Plan.objects.create(name="pickup", analyses_per_month=10_000,
                                   max_concurrent_analyses=10, api_rate_per_minute=10_000)
        user = User.objects.create_user(email="pickup@example.com", password=None, plan=plan)
        request = AnalysisRequest(url=server.url, options=AnalysisOptions(max_pages=1))

        def one() -> float:
            job, _ = analysis_create(user=user, request=request, enqueue=True)
            while True:
                job.refresh_from_db()
                if job.status in TERMINAL:
                    break
                time.sleep(0.05)
            # The worker's first event: the "running" status (the "queued" one is written
            # with the job, before the broker has it).
            first = (JobEvent.objects.filter(job=job, type="status", data__status="running")
                     .order_by("id").first())
            return (first.created_at - job.enqueued_at).total_seconds()

        one()  # the cluster's start-up and first task are not what is measured
        latencies = [one() for _ in range(args.runs)]
        print(f"broker {args.broker}, database "
              f"{'postgresql' if args.database_url else 'sqlite'}, {args.runs} runs", flush=True)
        print(f"pickup to first event: min {min(latencies):.3f} s, median "
              f"{statistics.median(latencies):.3f} s, max {max(latencies):.3f} s", flush=True)
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(30)
        except subprocess.TimeoutExpired:  # django-q waits for its workers; enough
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait()
        server.stop()
        if args.database_url:
            crawl._pg_drop(args.database_url)


if __name__ == "__main__":
    main()
