"""The audit pipeline (`kind: "audit"`): validate, crawl and judge every page, then
judge the site. See the package docstring for how to add a step.

Progress is persisted and published after every page; the heartbeat also goes on
while the crawler waits (`ctx.tick` as its `on_idle`). A resumed attempt rebuilds
the crawl frontier from the stored pages and fetches none of them again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from apps.accounts.crypto import CredentialKeyError
from apps.analyses.analyzers import AnalysisResult, PageSummary, run_page_rules, run_site_rules
from apps.analyses.analyzers.content import content_summary
from apps.analyses.analyzers.facts import page_facts, page_weight
from apps.analyses.analyzers.scores import applicable_rules, page_scores, site_scores
from apps.analyses.analyzers.taxonomy import Outcome
from apps.analyses.content import MainContent, extract_main, measure_page
from apps.analyses.content.worker import ContentPool, Prepared, result_or_local
from apps.analyses.options import AnalysisOptions, InvalidOptions
from apps.analyses.pipeline import store
from apps.analyses.pipeline.personas import review_personas
from apps.core.errors import ServiceError
from apps.core.outbound import guarded_client, target_check
from apps.jobs.models import EventType
from apps.jobs.runner import RunContext
from apps.web.crawler import Crawler
from apps.web.credentials import CredentialedClient, OriginCredential
from apps.web.http.errors import UNREACHABLE_CODES
from apps.web.linkcheck import LinkStatus, check_urls
from apps.web.politeness import Slowdown
from apps.web.types import CrawledPage
from apps.web.urls import origin


class Stage:
    VALIDATING = "validating"
    CRAWLING = "crawling"
    CHECKING_LINKS = "checking_links"
    SITE_ANALYSIS = "site_analysis"


@dataclass
class AuditRun:
    """State shared by the steps of one audit attempt."""

    ctx: RunContext
    options: AnalysisOptions
    resuming: bool = False
    credential: OriginCredential | None = None
    crawled_any: bool = False
    start_failure: CrawledPage | None = None
    crawler: Crawler | None = None
    failed_rules: set[str] = field(default_factory=set)
    pool_broke: bool = False  # a content worker died during this attempt (logged once)
    summaries: list[PageSummary] | None = None  # the stored pages, once the crawl is over
    checked: dict[str, LinkStatus] = field(default_factory=dict)
    # Steps that run inside the final transaction, after the site's findings and the
    # report are stored (the persona kinds review the site there).
    finishers: list[Callable[[AuditRun], None]] = field(default_factory=list)


@dataclass
class PageWork:
    """What one page yields: its findings, facts and main content."""

    result: AnalysisResult
    facts: dict
    content: MainContent


def analyse_page(crawled: CrawledPage, prepared: Prepared | None = None) -> PageWork:
    """Every consumer of the page's parsed tree (the crawler parsed it): main-content
    extraction and its measures (`prepared` when a content worker made them), every
    page rule, the facts site rules compare."""
    if prepared is not None:
        content, metrics = prepared
    else:
        content = extract_main(crawled.document)
        metrics = measure_page(crawled, content) if crawled.document is not None else None
    result = run_page_rules(crawled, cap=settings.SITELENS_MAX_FINDINGS_PER_PAGE,
                            content=content, metrics=metrics)
    facts = page_facts(crawled)
    if metrics is not None:
        facts["content"] = metrics.as_dict()
        facts["not_applicable"] = result.not_applicable
    return PageWork(result=result, facts=facts, content=content)


def validate(run: AuditRun) -> None:
    ctx = run.ctx
    ctx.set_stage(Stage.VALIDATING)
    try:
        target_check(ctx.job.url)
    except ServiceError as exc:
        ctx.fail(exc.code, f"The target was refused: {exc.message}")
    run.credential = _credential(run)


def _credential(run: AuditRun) -> OriginCredential | None:
    credential = run.ctx.job.credential
    if credential is None:
        return None
    try:
        headers = credential.request_headers()
    except CredentialKeyError:
        run.ctx.fail("credential_unreadable", "The site credential cannot be decrypted with "
                                              "the configured key; save it again.")
    credential.mark_used()
    return OriginCredential(origin=credential.origin, headers=headers)


def crawl(run: AuditRun) -> None:
    ctx, options = run.ctx, run.options
    done = store.done_pages(ctx.job)
    run.resuming = bool(done)
    ctx.set_stage(Stage.CRAWLING, pages_done=len(done))
    if run.resuming:
        ctx.log(f"Resuming after an interruption: {len(done)} pages already stored are not "
                "fetched again.")
    crawl_options = options.crawl_options()
    processes = _pool_size(options)
    with ExitStack() as stack:
        client = stack.enter_context(guarded_client(user_agent=crawl_options.user_agent))
        # The content workers live as long as the crawl (see content.worker).
        pool = stack.enter_context(ContentPool(processes)) if processes else None
        crawler = run.crawler = Crawler(ctx.job.url, crawl_options,
                                        CredentialedClient(client, run.credential),
                                        done=done, on_idle=ctx.tick,
                                        on_slowed=SlowdownLog(ctx))
        pages = crawler.crawl()
        # Pages whose content a worker process is extracting; the oldest is judged and
        # stored once the window is full, so fetching, extraction and rules overlap.
        window: deque[tuple[CrawledPage, Future | None]] = deque()
        depth = 2 * pool.processes + 1 if pool is not None else 0
        try:
            for crawled in pages:
                future = (pool.submit(crawled.document)
                          if pool is not None and crawled.document is not None else None)
                window.append((crawled, future))
                while len(window) > depth:
                    _page(run, *window.popleft(), pages_total=min(
                        options.max_pages, crawler.frontier.accepted))
            while window:
                _page(run, *window.popleft(), pages_total=min(
                    options.max_pages, crawler.frontier.accepted))
        finally:
            for _crawled, future in window:  # a cancel or a lost job: drop the rest
                if future is not None:
                    future.cancel()
            crawler.stop()  # a cancel or a lost job: fetch nothing more
            pages.close()
    _log_crawl_summary(run)
    _fail_if_nothing_crawled(run)


class SlowdownLog:
    """The crawler's `on_slowed`: each time the crawl went slower than its options asked
    (a 429/503 Retry-After or backoff, a robots.txt Crawl-delay) is a line of the job's
    log, with the slowdown as data. Only the first `limit` are written: a site that
    refuses every page would otherwise fill the log. The line names the host, never a
    URL (whose query may carry a secret)."""

    limit = 20

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.count = 0

    def __call__(self, slowdown: Slowdown) -> None:
        self.count += 1
        if self.count > self.limit:
            return
        message = f"Crawl slowed: {slowdown.describe()}"
        if self.count == self.limit:
            message += " Further slowdowns are not logged."
        level = "info" if slowdown.reason == "crawl-delay" else "warning"
        self.ctx.emit(EventType.LOG, {"message": message, "level": level,
                                      "slowed": slowdown.as_dict()})


def _pool_size(options: AnalysisOptions) -> int:
    """How many content workers an analysis gets: none (the content is then extracted
    in this process) when it is too small to repay starting them."""
    if options.max_pages < settings.SITELENS_CONTENT_POOL_MIN_PAGES:
        return 0
    return settings.SITELENS_CONTENT_PROCESSES


def _page(run: AuditRun, crawled: CrawledPage, future: Future | None = None, *,
          pages_total: int) -> None:
    ctx = run.ctx
    prepared = None
    if future is not None:
        with ctx.observer.phase("content_wait"):
            prepared, broke = result_or_local(future, crawled.document)
        if broke and not run.pool_broke:
            run.pool_broke = True
            ctx.log("A content worker process stopped; content is extracted in the worker "
                    "itself for the pages in flight.", level="warning")
    with ctx.observer.phase("rules"):
        work = analyse_page(crawled, prepared)
    result = work.result
    with ctx.observer.phase("store_page"):
        stored = store.store_page(ctx, crawled, result, pages_total=pages_total,
                                  stage=Stage.CRAWLING, facts=work.facts,
                                  markdown=work.content.markdown if crawled.is_html else None)
    for error in store.first_failures(result.errors, run.failed_rules):
        ctx.log(f"Rule {error.rule_id} failed on {error.page_url} ({error.error_type}); its "
                "findings are missing where it fails (see incomplete_rules).", level="warning")
    if not stored:
        return
    run.crawled_any = True
    if crawled.depth == 0 and crawled.source == "start" and crawled.status is None:
        run.start_failure = crawled
    ctx.observer.page_stored(ctx.job)


def _log_crawl_summary(run: AuditRun) -> None:
    crawler = run.crawler
    lines = []
    if crawler.robots is not None:
        lines.append(f"robots.txt: {crawler.robots.description}")
    if crawler.sitemap_urls:
        lines.append(f"Sitemap: {len(crawler.sitemap_urls)} URLs found.")
    reasons = crawler.skipped_counts
    if reasons:
        lines.append("Skipped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items())
                                             if n))
    for line in lines:
        run.ctx.log(line)


def _fail_if_nothing_crawled(run: AuditRun) -> None:
    if run.resuming:
        return
    if run.start_failure is not None:
        error = run.start_failure.error or "fetch_failed"
        run.ctx.fail(error, f"The start page could not be fetched ({error}).")
    if run.crawled_any:
        return
    # Nothing was even attempted. robots.txt was consulted first: if it could not be
    # reached at all, neither can the site, and that is the answer to report.
    robots = run.crawler.robots
    if robots is not None and robots.error in UNREACHABLE_CODES:
        run.ctx.fail(robots.error, f"The start page could not be fetched: the site did not "
                                   f"answer ({robots.error}) when {robots.robots_url} was "
                                   "requested.")
    reason = robots.description if robots is not None else "excluded"
    run.ctx.fail("robots_disallowed", f"robots.txt does not allow the start page ({reason}).")


def check_links(run: AuditRun) -> None:
    """External links and page resources, which the crawl does not fetch: HEAD (then a
    ranged GET), bounded in count and time by settings, each URL once. Their answers
    feed the site rules; the sizes give each page its weight."""
    ctx = run.ctx
    summaries = run.summaries = store.page_summaries(ctx.job)
    site = run.crawler.site_origin if run.crawler is not None else origin(ctx.job.url)
    external = [url for page in summaries if page.is_ok_html for url in page.links
                if origin(url) != site]
    resources = [url for page in summaries
                 for urls in (page.facts.get("resources") or {}).values() for url in urls]
    if not external and not resources:
        return
    ctx.set_stage(Stage.CHECKING_LINKS)
    budget = settings.SITELENS_LINK_CHECK_SECONDS
    user_agent = run.options.crawl_options().user_agent
    with ctx.observer.phase("check_links"), guarded_client(
        user_agent=user_agent, total_timeout=10, max_bytes=64 * 1024
    ) as client:
        links = check_urls(client, external, max_urls=settings.SITELENS_LINK_CHECK_MAX,
                           budget_s=budget, on_idle=ctx.tick)
        sized = check_urls(client, resources, max_urls=settings.SITELENS_RESOURCE_CHECK_MAX,
                           budget_s=budget, on_idle=ctx.tick)
    run.checked = {**sized.checked, **links.checked}
    sizes = {url: status.size for url, status in run.checked.items()}
    weights = {}
    for page in summaries:
        if page.facts.get("resources") is not None:
            page.facts["weight"] = weights[page.url] = page_weight(page.facts, page.size_bytes,
                                                                   sizes)
    store.store_weights(ctx.job, weights)
    broken = sum(1 for status in links.checked.values() if status.broken)
    line = (f"Checked {len(links.checked)} external links ({broken} broken) and "
            f"{len(sized.checked)} resources.")
    if links.skipped or sized.skipped:
        line += (f" Not checked, over the limits: {links.skipped} links, {sized.skipped} "
                 "resources (SITELENS_LINK_CHECK_MAX, SITELENS_RESOURCE_CHECK_MAX, "
                 "SITELENS_LINK_CHECK_SECONDS).")
    ctx.log(line)


def site_analysis(run: AuditRun) -> None:
    ctx = run.ctx
    ctx.set_stage(Stage.SITE_ANALYSIS)
    with ctx.observer.phase("site_analysis"):
        sitemap = run.crawler.sitemap_urls if run.crawler is not None else []
        # check_links loaded the stored pages and added their weights
        summaries = run.summaries if run.summaries is not None else store.page_summaries(ctx.job)
        result = run_site_rules(summaries, sitemap_urls=sitemap, checked=run.checked,
                                robots=run.crawler.robots if run.crawler is not None else None)
    for error in store.first_failures(result.errors, run.failed_rules):
        ctx.log(f"Site rule {error.rule_id} failed ({error.error_type}); its findings are "
                "missing (see incomplete_rules).", level="warning")
    with ctx.observer.phase("scores"):
        scores, content = _report(run, summaries, result)
    with transaction.atomic():  # the site's findings, the report and the outcome commit together
        store.store_site_findings(ctx, result)
        store.store_report(ctx.job, page_scores=scores, site_scores=site_scores(scores.values()),
                           content=content)
        for finish in run.finishers:
            finish(run)
        ctx.succeed()


def _report(run: AuditRun, summaries: list[PageSummary], site: AnalysisResult
            ) -> tuple[dict[str, dict], dict]:
    """Each scored page's scores (url -> category -> score) and the content summary."""
    job = run.ctx.job
    failed = store.violated_rules(job)
    for finding in site.findings:
        if finding.outcome == Outcome.VIOLATION:
            failed.setdefault(finding.page_url, set()).add(finding.rule_id)
    errored = store.failed_rules_by_page(job)
    site_errors = {error.rule_id for error in site.errors}
    scores = {}
    for page in summaries:
        if not page.is_ok_html or "not_applicable" not in page.facts:
            continue
        rules = applicable_rules(not_applicable=page.facts["not_applicable"],
                                 errored=errored.get(page.url, set()) | site_errors)
        scores[page.url] = page_scores(rules, failed.get(page.url, ()))
    return scores, content_summary(summaries)


AUDIT_STEPS: list[Callable[[AuditRun], None]] = [validate, crawl, check_links, site_analysis]


def run(ctx: RunContext, finishers: list[Callable[[AuditRun], None]] | None = None) -> None:
    """The `run` of the audit kind (registered in AnalysesConfig.ready); the persona
    kinds pass their review as a finisher."""
    try:
        options = AnalysisOptions.from_json(ctx.job.options)
    except InvalidOptions as exc:
        ctx.fail("invalid_options", f"The stored options cannot be read: {exc}")
    audit = AuditRun(ctx=ctx, options=options, finishers=list(finishers or ()))
    for step in AUDIT_STEPS:
        step(audit)


def run_with_personas(ctx: RunContext) -> None:
    """The `run` of the `single` and `focus_group` kinds: the audit, then the review."""
    run(ctx, finishers=[review_personas])

