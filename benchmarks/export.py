"""Exports of an analysis with 100 000 findings: time and memory per format, and the
report page at that size.

```sh
.venv/bin/python benchmarks/export.py [--findings 10000,100000] [--findings-per-page 50]
    [--repeat 3] [--formats json,csv,csv-pages,markdown,html,sarif,junit] [--report-repeat 3]
    [--database-url postgres://postgres@127.0.0.1:5432/sitelens_bench_export]
    [--json FILE] [--profile DIR] [--fixed-clock] [--keep | --reuse DIR]
```

For each size in `--findings`, one run:

1. **Database.** A fresh SQLite file in a temp dir (or the PostgreSQL database of
   `--database-url`, dropped and re-created, and dropped at the end); base settings,
   `DATABASE_URL`, `SITELENS_VAR_DIR` and `SITELENS_MEDIA_ROOT` in the temp dir, all set
   before `django.setup()`. `migrate` runs first, in its own process.
2. **Seed** (its own process, timed but not measured): one succeeded audit with
   N / `--findings-per-page` pages and N findings, written with `bulk_create` through the
   real models, shaped as `apps.analyses.pipeline.store` stores them: each page's facts
   (description, headings, anchors, resources, content measures, `not_applicable`,
   weight, scores), its main content as Markdown (about 3 KB), findings of real rules of
   the catalogue (their id, severity, categories, tags, help and link; a CSS selector, an
   HTML snippet and a message per element; 1 in 10 to review), stored page after page,
   then the site rules' findings (1 % of N) and a few that belong to no crawled page; one
   rule that raised on every page and one on five (RuleFailure rows); the Report.
   Deterministic: the same N gives the same rows.
3. **Exports.** Per format, a fresh process that makes a queued `Export` row and calls
   `apps.exports.services.build` (the worker's task: the format streams into a temporary
   file, which is hashed and saved through the storage API) `--repeat` times, each on a
   new row. Reported: min / median / max seconds, the file's size, and memory: the peak
   RSS (VmHWM, reset through `/proc/self/clear_refs` before each build) minus the RSS
   just before the build. The first build of a fresh process is the figure that counts
   (later ones reuse memory the first freed); "flat" means the figure at 100 000
   findings is not ~10x the one at 10 000.
4. **Report page.** `report_context` (apps/analyses/views.py) and the rendering of
   `analyses/_report.html` with it, `--report-repeat` times in one process, and the SQL
   statements it runs. And the findings API (`GET /api/v1/analyses/{id}/findings`), its
   first and last page at `page_size=500`, through the test client.

PDF is not in the default formats: it prints the HTML report (at most
SITELENS_EXPORT_HTML_MAX_FINDINGS findings and 2000 pages) with WeasyPrint, which costs
far more than every other format; `--formats pdf --repeat 1` measures it on its own.

`--fixed-clock` pins `generated_at` (json, html) so that the files' SHA-256 digests
compare across code versions: a change that must keep the output byte-identical shows
as the same digest. `--profile DIR` writes a cProfile of each format's first build.
`--keep` keeps the temp dir (SQLite) and prints it; `--reuse DIR` measures the database
seeded there again, without seeding (one size, SQLite only).
Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

RESULT_PREFIX = "RESULT "
FORMATS = ("json", "csv", "csv-pages", "markdown", "html", "sarif", "junit")
SITE = "http://bench.test"
FIXED_CLOCK = "2026-12-03T12:00:00+00:00"
WORDS = ("site", "page", "audit", "content", "guide", "search", "link", "image", "reader",
         "report", "crawl", "heading", "policy", "network", "static", "render", "layout",
         "visitor", "format", "schema", "review", "module", "server", "archive")


def _emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def _reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0: `5` to /proc/PID/clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def _setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    import django

    django.setup()


# --------------------------------------------------------------------------- children


def _migrate() -> None:
    _setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    _emit({})


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18))).capitalize() + "."


def _seed(findings: int, per_page: int) -> None:
    _setup()
    from datetime import timedelta

    from django.utils import timezone

    from apps.accounts.models import Plan, User
    from apps.analyses.analyzers import all_rules
    from apps.analyses.analyzers.taxonomy import CATEGORIES
    from apps.analyses.models import Finding, PageContent, Report, RuleFailure
    from apps.analyses.options import AnalysisOptions
    from apps.analyses.pipeline.store import versions
    from apps.jobs.models import Job, Page, Status

    started = time.perf_counter()
    rng = random.Random(findings)
    n_pages = max(1, -(-findings // per_page))
    page_rules = [r for r in all_rules() if r.scope == "page"]
    site_rules = [r for r in all_rules() if r.scope != "page"]
    plan = Plan.objects.create(name="bench-export", max_pages_per_analysis=n_pages,
                               analyses_per_month=10_000, export_retention_days=7)
    user = User.objects.create_user(email="export@example.com", password=None, plan=plan)
    now = timezone.now()
    job = Job.objects.create(
        owner=user, kind="audit", url=SITE + "/",
        options=AnalysisOptions(max_pages=n_pages, max_depth=20).to_json(),
        status=Status.SUCCEEDED, stage="done", pages_done=n_pages, pages_total=n_pages,
        started_at=now - timedelta(minutes=10), finished_at=now, enqueued_at=now)

    def url(i: int) -> str:
        return SITE + ("/" if i == 0 else f"/articles/{i:05d}.html")

    pages, contents = [], []
    for i in range(n_pages):
        links = [url(rng.randrange(n_pages)) for _ in range(20)]
        words = rng.randint(300, 900)
        facts = {
            "noindex": False, "description": _sentence(rng),
            "h1": [f"Guide part {i}"],
            "headings": [f"Guide part {i}"] + [_sentence(rng)[:60] for _ in range(5)],
            "modified": "2026-11-30", "canonical": url(i),
            "anchors": {link: _sentence(rng)[:40] for link in links},
            "resources": {"images": [f"{SITE}/img/{i}-{k}.png" for k in range(6)],
                          "scripts": [f"{SITE}/static/app.js"],
                          "stylesheets": [f"{SITE}/static/site.css"], "fonts": []},
            "content": {"words": words, "sentences": words // 14, "language": "en",
                        "language_declared": "en", "language_matches": True,
                        "reading_ease": round(rng.uniform(30, 80), 1),
                        "grade": round(rng.uniform(6, 14), 1),
                        "lix": round(rng.uniform(30, 55), 1), "thin": False,
                        "simhash": f"{rng.getrandbits(64):016x}"},
            "not_applicable": [r.id for r in rng.sample(page_rules, 15)],
            "weight": {"html_bytes": 30_000, "resources": 8, "resources_sized": 8,
                       "total_bytes": 30_000 + rng.randint(50_000, 900_000)},
            "scores": {c: rng.randint(40, 100) for c in CATEGORIES},
        }
        pages.append(Page(job=job, url=url(i), final_url=url(i), depth=min(i, 4),
                          status_code=200, content_type="text/html; charset=utf-8",
                          size_bytes=30_000, fetch_ms=rng.randint(2, 40), encoding="utf-8",
                          title=f"Guide part {i} | Bench Site", links=links, source="link",
                          facts=facts))
    Page.objects.bulk_create(pages, batch_size=500)
    pages = list(Page.objects.filter(job=job).order_by("id").only("id", "url"))
    for page in pages:
        body = "\n\n".join(" ".join(_sentence(rng) for _ in range(4)) for _ in range(8))
        contents.append(PageContent(page=page, job=job,
                                    markdown=f"# {page.url}\n\n{body}\n"))
    PageContent.objects.bulk_create(contents, batch_size=500)

    def finding(rule, page_id, page_url, k: int) -> Finding:
        tag = rng.choice(("img", "a", "p", "h2", "div", "input", "button"))
        selector = (f"html > body > main > section:nth-of-type({k % 7 + 1}) > "
                    f"{tag}:nth-of-type({k % 5 + 1})") if rule.requires_document else ""
        snippet = (f'<{tag} class="item item-{k}" data-id="{k}">{_sentence(rng)[:60]}'
                   f"</{tag}>") if selector else ""
        return Finding(job=job, page_id=page_id, page_url=page_url, rule_id=rule.id,
                       categories=list(rule.categories), severity=rule.severity,
                       outcome="needs_review" if rng.random() < 0.1 else "violation",
                       tags=list(rule.tags), selector=selector, snippet=snippet,
                       message=f"{rule.title}: {_sentence(rng)}", help=rule.help,
                       help_url=rule.help_url)

    site_findings = findings // 100 + 10 if findings >= 1000 else 0
    page_findings = findings - site_findings
    batch: list[Finding] = []
    for index, page in enumerate(pages):
        count = page_findings // n_pages + (index < page_findings % n_pages)
        while count > 0:
            rule = rng.choice(page_rules)
            for k in range(min(count, rng.randint(1, 4))):  # a rule often flags several elements
                batch.append(finding(rule, page.id, page.url, k + index))
                count -= 1
        if len(batch) >= 5000:
            Finding.objects.bulk_create(batch, batch_size=1000)
            batch = []
    for k in range(site_findings):  # the site rules' findings, stored last (store_site_findings)
        page = rng.choice(pages) if k >= 10 else None  # ten belong to no crawled page
        batch.append(finding(rng.choice(site_rules), page.id if page else None,
                             page.url if page else "", k))
    Finding.objects.bulk_create(batch, batch_size=1000)
    crashing = rng.sample(page_rules, 2)
    RuleFailure.objects.bulk_create(
        [RuleFailure(job=job, page_id=p.id, page_url=p.url, rule_id=crashing[0].id,
                     error_type="KeyError", message="'href'") for p in pages]
        + [RuleFailure(job=job, page_id=p.id, page_url=p.url, rule_id=crashing[1].id,
                       error_type="ValueError", message="bad value") for p in pages[:5]],
        batch_size=1000)
    Report.objects.create(job=job, scores={c: rng.randint(40, 100) for c in CATEGORIES},
                          content={"pages": n_pages, "near_duplicates": []},
                          versions=versions())
    _emit({"job": str(job.pk), "pages": n_pages,
           "findings": Finding.objects.filter(job=job).count(),
           "seed_s": round(time.perf_counter() - started, 2)})


def _export(job_id: str, fmt: str, repeat: int, profile: str | None, fixed_clock: bool) -> None:
    _setup()
    from datetime import timedelta

    from django.utils import timezone

    from apps.exports import data
    from apps.exports.models import Export, ExportStatus
    from apps.exports.services import build
    from apps.jobs.models import Job

    if fixed_clock:
        data.now_iso = lambda: FIXED_CLOCK
    job = Job.objects.get(pk=job_id)
    runs = []
    for index in range(repeat):
        export = Export.objects.create(owner_id=job.owner_id, job=job, analyses=[str(job.pk)],
                                       format=fmt, expires_at=timezone.now() + timedelta(days=1))
        _reset_peak()
        before = _status_kib("VmRSS")
        started, cpu = time.perf_counter(), time.process_time()
        if profile and index == 0:
            import cProfile

            profiler = cProfile.Profile()
            profiler.runcall(build, str(export.pk))
            profiler.dump_stats(profile)
        else:
            build(str(export.pk))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = _status_kib("VmHWM")
        export.refresh_from_db()
        if export.status != ExportStatus.READY:
            raise SystemExit(f"{fmt} export {export.status}: {export.error}")
        runs.append({"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "size": export.size, "sha256": export.sha256,
                     "rss_before_mib": round(before / 1024, 1),
                     "peak_growth_mib": round((peak - before) / 1024, 1)})
        export.file.delete(save=False)
    _emit({"format": fmt, "runs": runs})


def _report(job_id: str, repeat: int) -> None:
    _setup()
    from django.db import connection
    from django.http import QueryDict
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from apps.analyses.views import report_context
    from apps.jobs.models import Job

    job = Job.objects.get(pk=job_id)
    base = reverse("job-detail", args=[job.pk])
    request = RequestFactory().get(base)
    request.user = job.owner
    context_s, render_s, queries = [], [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            context = report_context(job, QueryDict(), base=base, shared=False)
            made = time.perf_counter()
            html = render_to_string("analyses/_report.html", context, request=request)
        context_s.append(made - started)
        render_s.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(job.owner)
    api: dict[str, list[float]] = {"first": [], "last": []}
    total = job.findings.count()
    last = -(-total // 500)
    for _ in range(repeat):
        for name, page in (("first", 1), ("last", last)):
            started = time.perf_counter()
            response = client.get(f"/api/v1/analyses/{job.pk}/findings",
                                  {"page": page, "page_size": 500})
            api[name].append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"findings API answered {response.status_code}: "
                                 f"{response.content[:300]!r}")
    _emit({"context_s": context_s, "render_s": render_s, "queries": queries,
           "html_bytes": len(html.encode()), "api_first_s": api["first"],
           "api_last_s": api["last"]})


# --------------------------------------------------------------------------- parent


def _child(args: list[str], env: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise SystemExit(f"{' '.join(args[:2])} printed no result (exit {proc.returncode}):\n"
                     f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


def _spread(values: list[float]) -> str:
    return (f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}")


def _run_size(n: int, args: argparse.Namespace, formats: list[str]) -> dict:
    import crawl  # the PostgreSQL helpers of the crawl benchmark

    tmp = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="sitelens-export-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'export.sqlite3'}",
           "SITELENS_VAR_DIR": str(tmp / "var"), "SITELENS_MEDIA_ROOT": str(tmp / "media"),
           "LOG_LEVEL": "WARNING"}
    env.pop("REDIS_URL", None)
    if args.database_url:
        crawl._pg_recreate(args.database_url)
    try:
        if args.reuse:
            seeded = json.loads((tmp / "seeded.json").read_text())
        else:
            _child(["--child", "migrate"], env)
            seeded = _child(["--child", "seed", "--findings", str(n),
                             "--findings-per-page", str(args.findings_per_page)], env)
            (tmp / "seeded.json").write_text(json.dumps(seeded))
        print(f"\n{seeded['findings']} findings on {seeded['pages']} pages "
              f"(seeded in {seeded['seed_s']} s, not timed)"
              + (f"; kept in {tmp}" if args.keep or args.reuse else ""), flush=True)
        print(f"{'format':<10} {'min / median / max s':>22} {'CPU s (median)':>15} "
              f"{'size':>10} {'RSS growth (first)':>19} {'RSS before':>11}", flush=True)
        result = {"findings": seeded["findings"], "pages": seeded["pages"], "formats": {}}
        for fmt in formats:
            child = ["--child", "export", "--job", seeded["job"], "--format", fmt,
                     "--repeat", str(args.repeat)]
            if args.fixed_clock:
                child.append("--fixed-clock")
            if args.profile:
                Path(args.profile).mkdir(parents=True, exist_ok=True)
                child += ["--profile-file", str(Path(args.profile) / f"{fmt}-{n}.prof")]
            runs = _child(child, env)["runs"]
            result["formats"][fmt] = runs
            first = runs[0]
            print(f"{fmt:<10} {_spread([r['wall_s'] for r in runs]):>22} "
                  f"{statistics.median(r['cpu_s'] for r in runs):>15.2f} "
                  f"{first['size'] / 1e6:>8.1f} MB {first['peak_growth_mib']:>15.1f} MiB "
                  f"{first['rss_before_mib']:>7.0f} MiB", flush=True)
            if args.fixed_clock:
                print(f"           sha256 {first['sha256']}", flush=True)
        if args.report_repeat:
            report = _child(["--child", "report", "--job", seeded["job"],
                             "--repeat", str(args.report_repeat)], env)
            result["report"] = report
            print(f"report page: context {_spread(report['context_s'])} s, context + "
                  f"render {_spread(report['render_s'])} s, {report['queries']} SQL "
                  f"statements, {report['html_bytes'] / 1000:.0f} kB", flush=True)
            print(f"findings API, page_size 500: first page {_spread(report['api_first_s'])} s, "
                  f"last page {_spread(report['api_last_s'])} s", flush=True)
        return result
    finally:
        if args.database_url:
            crawl._pg_drop(args.database_url)
        if not (args.keep or args.reuse):
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--findings", default="10000,100000",
                        help="comma-separated sizes, one fresh database each")
    parser.add_argument("--findings-per-page", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report-repeat", type=int, default=3, help="0 to skip")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", help="write every run to this file")
    parser.add_argument("--profile", help="directory for a cProfile of each first build")
    parser.add_argument("--fixed-clock", action="store_true",
                        help="pin generated_at, so digests compare across code versions")
    keep = parser.add_mutually_exclusive_group()
    keep.add_argument("--keep", action="store_true", help="keep the temp dir (SQLite)")
    keep.add_argument("--reuse", metavar="DIR", help="measure a kept database again")
    parser.add_argument("--child", choices=("migrate", "seed", "export", "report"))
    parser.add_argument("--job")
    parser.add_argument("--format")
    parser.add_argument("--profile-file")
    args = parser.parse_args()

    if args.child == "migrate":
        return _migrate()
    if args.child == "seed":
        return _seed(int(args.findings), args.findings_per_page)
    if args.child == "export":
        return _export(args.job, args.format, args.repeat, args.profile_file, args.fixed_clock)
    if args.child == "report":
        return _report(args.job, args.repeat)

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    sizes = [int(n) for n in args.findings.split(",")]
    if (args.keep or args.reuse) and (args.database_url or len(sizes) > 1):
        raise SystemExit("--keep and --reuse are for one size on SQLite")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, database "
          f"{'postgresql' if args.database_url else 'sqlite'}, repeat {args.repeat}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    results = [_run_size(n, args, formats) for n in sizes]
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"\nRSS growth of the first build, {large['findings']} findings against "
              f"{small['findings']}:", flush=True)
        for fmt in formats:
            a = small["formats"][fmt][0]["peak_growth_mib"]
            b = large["formats"][fmt][0]["peak_growth_mib"]
            print(f"  {fmt:<10} {a:6.1f} -> {b:6.1f} MiB ({b / a if a > 0 else float('inf'):.1f}x)",
                  flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"sizes": results,
                                               "load_average": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    main()
