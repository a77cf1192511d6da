"""Writes for analysis jobs: create, cancel, delete, run, recover.

The crawler and the analyzers are plain Python (apps.jobs.crawler,
apps.analyses.analyzers); `job_run` is the thin shell that feeds them a job,
persists what they return page by page, and publishes progress.
"""

from __future__ import annotations

import logging
import os
import socket
from collections import Counter
from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.tasks import async_task

from apps.accounts.models import User
from apps.analyses.analyzers import PageSummary, analyze_page, analyze_site
from apps.analyses.models import Finding
from apps.core.errors import Conflict, QuotaExceeded, ServiceError
from apps.jobs import events
from apps.jobs.crawler.crawler import Crawler, DonePage
from apps.jobs.crawler.http import FetchError, GuardedClient, parse_allowed_targets, validate_target
from apps.jobs.crawler.types import CrawledPage, CrawlOptions
from apps.jobs.models import EventType, Job, Kind, Page, Stage, Status

logger = logging.getLogger(__name__)

# Events for one page carry at most this many findings; the rest are in the API.
FINDINGS_PER_EVENT = 50


def allowed_targets() -> frozenset[str]:
    return parse_allowed_targets(settings.SITELENS_ALLOWED_TARGETS)


def guarded_client(*, user_agent: str | None = None) -> GuardedClient:
    kwargs = {"allowed_targets": allowed_targets()}
    if user_agent:
        kwargs["user_agent"] = user_agent
    return GuardedClient(**kwargs)


def target_check(url: str) -> None:
    """Refuse a URL Sitelens must not fetch (scheme, DNS, blocked address)."""
    try:
        validate_target(url, allowed_targets=allowed_targets())
    except FetchError as exc:
        raise ServiceError(str(exc), code=exc.code, details={"url": [str(exc)]}) from exc


def _enqueue(job: Job) -> None:
    job_id = str(job.pk)
    transaction.on_commit(lambda: async_task("apps.jobs.tasks.run_analysis", job_id,
                                             task_name=f"analysis-{job_id}"))


def job_create(*, user: User, url: str, kind: str = Kind.AUDIT, options: dict,
               idempotency_key: str = "", enqueue: bool = True) -> tuple[Job, bool]:
    """Queue an analysis; returns (job, created).

    With an idempotency key, a retried request returns the job the first one made
    instead of starting a second crawl. `enqueue=False` leaves the job for the
    caller to run inline (`manage.py analyze`).
    """
    if idempotency_key:
        existing = Job.objects.filter(owner=user, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False

    plan = user.get_plan()
    if options["max_pages"] > plan.max_pages_per_analysis:
        raise ServiceError(
            f"max_pages may be at most {plan.max_pages_per_analysis} on the {plan.name} plan.",
            code="invalid",
            details={"max_pages": [f"Ensure this value is less than or equal to "
                                   f"{plan.max_pages_per_analysis}."]},
        )
    if Job.objects.owned_by(user).active().count() >= plan.max_concurrent_analyses:
        raise QuotaExceeded(
            f"You already have {plan.max_concurrent_analyses} analyses running; wait for one "
            "to finish or cancel it.",
            code="too_many_running",
        )
    target_check(url)

    try:
        with transaction.atomic():
            job = Job.objects.create(owner=user, url=url, kind=kind, options=options,
                                     idempotency_key=idempotency_key)
            events.emit(job, EventType.STATUS, {"status": job.status, "stage": job.stage})
            if enqueue:
                _enqueue(job)
    except IntegrityError:
        # Two concurrent requests with the same key: the other one won.
        existing = Job.objects.filter(owner=user, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    return job, True


def job_cancel(*, job: Job) -> Job:
    if job.is_terminal:
        raise Conflict(f"The analysis already ended ({job.status}).", code="already_finished")
    with transaction.atomic():
        job.request_cancel()
        if job.status == Status.CANCELLED:  # it was still queued
            _emit_end(job)
        else:
            events.emit(job, EventType.LOG, {"message": "Cancellation requested."})
    return job


def job_delete(*, job: Job) -> None:
    """Delete a job with everything it produced. A running one is told to stop first."""
    if not job.is_terminal:
        job.request_cancel()
    job.delete()


# --- running ---------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def crawl_options(job: Job) -> CrawlOptions:
    opts = job.options
    fields = CrawlOptions.__dataclass_fields__
    return CrawlOptions(**{k: v for k, v in opts.items() if k in fields and v is not None})


def job_run(*, job_id, on_page=None) -> Job | None:
    """Run one analysis to its end. Safe to call twice: only the claimant works.

    `on_page(job)` is called after each stored page (the CLI draws its progress bar).
    """
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return None
    if not job.claim(worker=worker_name()):
        logger.info("job %s not claimable (status %s); skipping", job.pk, job.status)
        return job
    if job.attempt > settings.SITELENS_MAX_ATTEMPTS:
        with transaction.atomic():
            job.finish(Status.FAILED, error_code="too_many_attempts",
                       error=f"The analysis was interrupted {job.attempt - 1} times "
                             "(its worker stopped); giving up.")
            _emit_end(job)
        return job
    try:
        _run(job, on_page=on_page)
    except _JobGone:
        logger.info("job %s was deleted or taken over while running", job_id)
        return None
    except Exception as exc:
        logger.exception("job %s crashed", job.pk)
        with transaction.atomic():
            if job.finish(Status.FAILED, error_code="internal_error",
                          error=f"Internal error: {type(exc).__name__}"):
                _emit_end(job)
    return job


class _JobGone(Exception):
    pass


def _run(job: Job, *, on_page=None) -> None:
    done_pages = list(Page.objects.filter(job=job).values(
        "url", "depth", "links", "final_url", "redirect_chain", "follow_links"))
    resuming = bool(done_pages)
    job.beat(stage=Stage.VALIDATING)
    events.emit_many(job, [
        (EventType.STATUS, {"status": Status.RUNNING, "stage": Stage.VALIDATING,
                            "attempt": job.attempt}),
        *([(EventType.LOG, {"message": f"Resuming after an interruption: {len(done_pages)} "
                                       "pages already stored are not fetched again."})]
          if resuming else []),
    ])

    options = crawl_options(job)
    try:
        target_check(job.url)
    except ServiceError as exc:
        _fail(job, exc.code, f"The target was refused: {exc.message}")
        return

    with guarded_client(user_agent=options.user_agent) as client:
        crawler = Crawler(
            job.url, options, client,
            done=[DonePage(url=p["url"], depth=p["depth"], links=p["links"],
                           final_url=p["final_url"], follow_links=p["follow_links"],
                           redirects=[hop["url"] for hop in p["redirect_chain"]])
                  for p in done_pages],
        )
        job.beat(stage=Stage.CRAWLING, pages_done=len(done_pages))
        events.emit(job, EventType.STATUS, {"status": Status.RUNNING, "stage": Stage.CRAWLING})
        start_failure = None
        crawled_any = False
        for crawled in crawler.crawl():
            if not _store_page(job, crawled, pages_total=_pages_total(crawler, options)):
                crawler.stop()  # cancelled: keep what was stored, fetch nothing more
                break
            crawled_any = True
            if crawled.depth == 0 and crawled.source == "start" and crawled.status is None:
                start_failure = crawled
            if on_page is not None:
                on_page(job)
        _log_crawl_summary(job, crawler)

    if _should_stop(job):
        with transaction.atomic():
            job.finish(Status.CANCELLED)
            _emit_end(job)
        return
    if start_failure is not None and not resuming:
        _fail(job, start_failure.error or "fetch_failed",
              f"The start page could not be fetched ({start_failure.error}).")
        return
    if not crawled_any and not resuming:
        # Nothing was even attempted: robots.txt forbids the start page (an
        # unreachable robots.txt means "disallow all", RFC 9309) or it was excluded.
        reason = crawler.robots.description if crawler.robots is not None else "excluded"
        _fail(job, "nothing_crawled", f"The start page may not be crawled ({reason}).")
        return

    job.beat(stage=Stage.SITE_ANALYSIS)
    events.emit(job, EventType.STATUS, {"status": Status.RUNNING, "stage": Stage.SITE_ANALYSIS})
    summaries = [_summary(p) for p in Page.objects.filter(job=job)]
    site_findings = analyze_site(summaries)
    pages_by_url = {p.url: p.pk for p in Page.objects.filter(job=job).only("id", "url")}
    with transaction.atomic():
        Finding.objects.bulk_create(
            [_finding_row(job, f, pages_by_url.get(f.page_url)) for f in site_findings]
        )
        if site_findings:
            events.emit(job, EventType.FINDING, {"page": None,
                                                 "findings": _finding_events(site_findings)})
        job.finish(Status.SUCCEEDED)
        _emit_end(job)


def _pages_total(crawler: Crawler, options: CrawlOptions) -> int:
    """Pages known so far (admitted to the frontier, done ones included), capped."""
    return min(options.max_pages, crawler.frontier.accepted)


def _should_stop(job: Job) -> bool:
    """True when the user cancelled. Raises _JobGone when the job was deleted or
    another worker took it over (this worker was wrongly thought dead)."""
    state = Job.objects.filter(pk=job.pk).values("cancel_requested", "status", "worker").first()
    if state is None:
        raise _JobGone()
    if state["status"] != Status.RUNNING or state["worker"] != job.worker:
        logger.warning("job %s is no longer ours (%s, worker %r); %s stops", job.pk,
                       state["status"], state["worker"], job.worker)
        raise _JobGone()
    return state["cancel_requested"]


class _NotOurs(Exception):
    pass


def _store_page(job: Job, crawled: CrawledPage, *, pages_total: int) -> bool:
    """Store one page with its findings and events in one transaction.

    False when the user cancelled (nothing stored); raises _JobGone when the job
    was deleted or another worker took it over.
    """
    findings = analyze_page(crawled)
    title = crawled.document.title if crawled.document is not None else None
    pages_done = job.pages_done + 1
    try:
        with transaction.atomic():
            # The heartbeat doubles as the ownership and cancel check, before any write.
            if not job.beat_while_ours(pages_done=pages_done,
                                       pages_total=max(pages_total, pages_done)):
                raise _NotOurs()
            page = Page.objects.create(
                job=job, url=crawled.url, final_url=crawled.final_url, depth=crawled.depth,
                status_code=crawled.status, content_type=crawled.content_type,
                redirect_chain=[asdict(hop) for hop in crawled.redirects],
                size_bytes=crawled.size_bytes, fetch_ms=crawled.fetch_ms,
                encoding=crawled.encoding or "", title=title, links=crawled.links,
                error=crawled.error or "", source=crawled.source,
                follow_links=crawled.follow_links,
            )
            Finding.objects.bulk_create([_finding_row(job, f, page.pk) for f in findings])
            page_event = {"url": page.url, "status": page.status_code, "depth": page.depth,
                          "title": title, "error": page.error or None,
                          "findings": len(findings)}
            batch = [(EventType.PAGE, page_event)]
            if findings:
                batch.append((EventType.FINDING, {"page": page.url,
                                                  "findings": _finding_events(findings)}))
            batch.append((EventType.PROGRESS, {"pages_done": pages_done,
                                               "pages_total": job.pages_total,
                                               "stage": Stage.CRAWLING}))
            events.emit_many(job, batch)
    except _NotOurs:
        return not _should_stop(job)  # raises _JobGone unless it was a cancel
    except IntegrityError:
        if not Job.objects.filter(pk=job.pk).exists():
            raise _JobGone() from None
        # Already stored by an earlier attempt: a resumed crawl never stores a page twice.
        logger.warning("page %s of job %s already stored", crawled.url, job.pk)
        job.pages_done -= 1  # the rolled-back beat counted it
    return True


def _finding_events(findings) -> list[dict]:
    return [
        {"rule_id": f.rule_id, "severity": f.severity, "category": f.category,
         "selector": f.selector, "message": f.message, "page_url": f.page_url}
        for f in findings[:FINDINGS_PER_EVENT]
    ]


def _finding_row(job: Job, finding, page_id: int | None) -> Finding:
    return Finding(
        job=job, page_id=page_id, page_url=finding.page_url or "", rule_id=finding.rule_id,
        category=finding.category, severity=finding.severity, tags=list(finding.tags),
        selector=finding.selector or "", snippet=finding.snippet or "", message=finding.message,
        help=finding.help or "", help_url=finding.help_url or "",
    )


def _summary(page: Page) -> PageSummary:
    return PageSummary(
        url=page.url, final_url=page.final_url, status=page.status_code, title=page.title,
        content_type=page.content_type, depth=page.depth,
        redirects=[(hop["url"], hop["status"]) for hop in page.redirect_chain],
        links=page.links, error=page.error or None,
    )


def _log_crawl_summary(job: Job, crawler: Crawler) -> None:
    lines = []
    if crawler.robots is not None:
        lines.append(f"robots.txt: {crawler.robots.description}")
    if crawler.sitemap_urls:
        lines.append(f"Sitemap: {len(crawler.sitemap_urls)} URLs found.")
    reasons = crawler.skipped_counts
    if reasons:
        lines.append("Skipped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())))
    if lines:
        events.emit_many(job, [(EventType.LOG, {"message": line}) for line in lines])


def _fail(job: Job, code: str, message: str) -> None:
    with transaction.atomic():
        if job.finish(Status.FAILED, error_code=code, error=message):
            _emit_end(job)


def _emit_end(job: Job) -> None:
    """The terminal status event plus `completed` / `failed`, in one batch."""
    counts = dict(Counter(Finding.objects.filter(job=job).values_list("severity", flat=True)))
    summary = {"status": job.status, "stage": job.stage, "pages_done": job.pages_done,
               "findings": counts, "error_code": job.error_code or None,
               "error": job.error or None}
    batch = [(EventType.STATUS, {"status": job.status, "stage": job.stage})]
    if job.status == Status.SUCCEEDED:
        batch.append((EventType.COMPLETED, summary))
    elif job.status == Status.FAILED:
        batch.append((EventType.FAILED, summary))
    events.emit_many(job, batch)


# --- recovery --------------------------------------------------------------------------


def _worker_alive(worker: str) -> bool | None:
    """Whether the worker process lives; None when it ran on another machine."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None  # another machine: only the heartbeat can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def job_recover_stale() -> list[Job]:
    """Requeue running jobs whose worker died; fail those out of attempts.

    A worker is dead when its process is gone (same machine) or its heartbeat,
    written after every page, is older than SITELENS_JOB_STALE_SECONDS.
    """
    stale_before = timezone.now() - timedelta(seconds=settings.SITELENS_JOB_STALE_SECONDS)
    recovered = []
    for job in Job.objects.filter(status=Status.RUNNING):
        alive = _worker_alive(job.worker)
        if alive is None:  # a worker elsewhere: trust its heartbeat
            if job.heartbeat_at is not None and job.heartbeat_at >= stale_before:
                continue
        elif alive:
            continue  # a slow page or sitemap is not a death
        with transaction.atomic():
            if job.attempt >= settings.SITELENS_MAX_ATTEMPTS:
                if job.finish(Status.FAILED, error_code="too_many_attempts",
                              error=f"The analysis was interrupted {job.attempt} times "
                                    "(its worker stopped); giving up."):
                    _emit_end(job)
                continue
            if not job.release(from_worker=job.worker):
                continue  # someone else recovered it, or it finished meanwhile
            events.emit(job, EventType.LOG, {
                "message": f"Worker {job.worker or '?'} stopped; the analysis resumes "
                           f"(attempt {job.attempt + 1})."})
            _enqueue(job)
        recovered.append(job)
    return recovered

