"""Persisting what the core returns: crawled pages, findings, rule failures.

The mapping between the plain dataclasses (`CrawledPage`, analyzer `Finding`,
`RuleError`) and the rows lives here and nowhere else; so does the way back, from
stored rows to what a resumed crawl and the site rules need.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version

from django.db import IntegrityError, transaction

from apps.analyses.analyzers import AnalysisResult, PageSummary, RuleError
from apps.analyses.analyzers import Finding as FoundIssue
from apps.analyses.analyzers.scores import SCORE_VERSION
from apps.analyses.analyzers.taxonomy import Outcome
from apps.analyses.models import Finding, PageContent, Report, RuleFailure
from apps.analyses.personas import terms
from apps.analyses.personas.review import SiteData, SiteFinding, SitePage
from apps.analyses.personas.thresholds import THRESHOLDS_VERSION
from apps.analyses.pipeline import payloads
from apps.jobs.models import EventType, Job, Page
from apps.jobs.runner import JobGone, RunContext
from apps.web.crawler import DonePage
from apps.web.types import CrawledPage

logger = logging.getLogger(__name__)


def finding_rows(job: Job, findings: Iterable[FoundIssue], page_ids: dict[str, int] | int | None
                 ) -> list[Finding]:
    """Rows for `findings`; `page_ids` is the page's id, or url -> id for site findings."""
    rows = []
    for f in findings:
        page_id = page_ids.get(f.page_url) if isinstance(page_ids, dict) else page_ids
        rows.append(Finding(
            job=job, page_id=page_id, page_url=f.page_url or "", rule_id=f.rule_id,
            categories=list(f.categories), severity=f.severity, outcome=f.outcome,
            tags=list(f.tags), selector=f.selector or "", snippet=f.snippet or "",
            message=f.message, help=f.help or "", help_url=f.help_url or "",
        ))
    return rows


def failure_rows(job: Job, errors: Iterable[RuleError], page_id: int | None) -> list[RuleFailure]:
    return [RuleFailure(job=job, page_id=page_id, page_url=e.page_url or "", rule_id=e.rule_id,
                        error_type=e.error_type, message=e.message) for e in errors]


def store_page(ctx: RunContext, crawled: CrawledPage, result: AnalysisResult, *,
               pages_total: int, stage: str, facts: dict | None = None,
               markdown: str | None = None) -> bool:
    """Store one page with its findings, rule failures and events in one transaction,
    with the heartbeat that proves the job is still ours (JobCancelled / JobGone
    otherwise, and nothing is stored). False when an earlier attempt had stored it."""
    job = ctx.job
    title = crawled.document.title if crawled.document is not None else None
    pages_done = job.pages_done + 1
    try:
        with transaction.atomic():
            ctx.beat(pages_done=pages_done, pages_total=max(pages_total, pages_done))
            page = Page.objects.create(
                job=job, url=crawled.url, final_url=crawled.final_url, depth=crawled.depth,
                status_code=crawled.status, content_type=crawled.content_type,
                redirect_chain=[asdict(hop) for hop in crawled.redirects],
                size_bytes=crawled.size_bytes, fetch_ms=crawled.fetch_ms,
                encoding=crawled.encoding or "", title=title, links=crawled.links,
                error=crawled.error or "", source=crawled.source,
                follow_links=crawled.follow_links, findings_dropped=result.dropped,
                facts=facts or {},
            )
            Finding.objects.bulk_create(finding_rows(job, result.findings, page.pk))
            if markdown is not None:
                PageContent.objects.create(page=page, job=job, markdown=markdown)
            if result.errors:
                RuleFailure.objects.bulk_create(failure_rows(job, result.errors, page.pk))
            batch = [(EventType.PAGE, payloads.page_event(page, result.findings))]
            if result.findings:
                batch.append((EventType.FINDING, payloads.findings_event(page.url, result.findings)))
            batch.append((EventType.PROGRESS, payloads.progress_event(
                pages_done=pages_done, pages_total=job.pages_total, stage=stage)))
            ctx.emit_many(batch)
    except IntegrityError:
        if not Job.objects.filter(pk=job.pk).exists():
            raise JobGone() from None
        # Already stored by an earlier attempt: a resumed crawl never stores a page twice.
        logger.warning("page %s of job %s already stored", crawled.url, job.pk)
        job.pages_done -= 1  # the rolled-back beat counted it
        return False
    return True


def store_site_findings(ctx: RunContext, result: AnalysisResult) -> None:
    """Site-wide findings and failures (call inside the job's final transaction)."""
    job = ctx.job
    page_ids = dict(Page.objects.filter(job=job).values_list("url", "id"))
    Finding.objects.bulk_create(finding_rows(job, result.findings, page_ids))
    if result.errors:
        RuleFailure.objects.bulk_create(failure_rows(job, result.errors, None))
    if result.findings:
        ctx.emit(EventType.FINDING, payloads.findings_event(None, result.findings))


def done_pages(job: Job) -> list[DonePage]:
    """Pages an earlier attempt stored, as the crawler's resume input."""
    return [
        DonePage(url=p["url"], depth=p["depth"], links=p["links"], final_url=p["final_url"],
                 follow_links=p["follow_links"],
                 redirects=[hop["url"] for hop in p["redirect_chain"]])
        for p in Page.objects.filter(job=job).order_by("id").values(
            "url", "depth", "links", "final_url", "redirect_chain", "follow_links")
    ]


def page_summaries(job: Job) -> list[PageSummary]:
    """What the site rules know about each stored page (no body).

    Every page of a site names the same URLs, anchor texts, headings and rule ids, and
    decoding each page's JSON makes a new string for each mention: one string object
    per distinct value is kept instead (at 3000 pages this was most of the memory the
    site analysis added)."""
    shared: dict[str, str] = {}
    return [
        PageSummary(url=_share(p["url"], shared), final_url=p["final_url"],
                    status=p["status_code"], title=p["title"], content_type=p["content_type"],
                    depth=p["depth"], redirects=p["redirect_chain"],
                    links=_share(p["links"], shared), error=p["error"], source=p["source"],
                    facts=_share(p["facts"], shared), size_bytes=p["size_bytes"])
        for p in Page.objects.filter(job=job).order_by("id").values(
            "url", "final_url", "status_code", "title", "content_type", "depth",
            "redirect_chain", "links", "error", "source", "facts", "size_bytes"
        ).iterator(chunk_size=500)
    ]


def _share(value, shared: dict[str, str]):
    """`value` (decoded JSON) with each string replaced by the first equal one seen."""
    if isinstance(value, str):
        return shared.setdefault(value, value)
    if isinstance(value, list):
        return [_share(item, shared) for item in value]
    if isinstance(value, dict):
        return {shared.setdefault(key, key): _share(item, shared) for key, item in value.items()}
    return value


def first_failures(errors: Sequence[RuleError], seen: set[str]) -> list[RuleError]:
    """The errors of rules not seen failing before in this run (one log line per rule)."""
    fresh = [e for e in errors if e.rule_id not in seen]
    seen.update(e.rule_id for e in fresh)
    return fresh


FACTS_BATCH = 500  # pages whose facts are read, changed and written back at once


def store_weights(job: Job, weights: dict[str, dict]) -> None:
    """Add each page's weight (facts.page_weight) to its stored facts."""
    _add_to_facts(job, "weight", weights)


def _add_to_facts(job: Job, key: str, values: dict[str, dict]) -> None:
    """facts[key] = values[url] for each of the job's pages in `values`, FACTS_BATCH
    pages at a time: memory stays flat whatever the number of pages."""
    ids = list(Page.objects.filter(job=job).order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), FACTS_BATCH):
        pages = [page for page in Page.objects.filter(id__in=ids[start:start + FACTS_BATCH])
                 .only("id", "url", "facts") if page.url in values]
        for page in pages:
            page.facts = {**page.facts, key: values[page.url]}
        Page.objects.bulk_update(pages, ["facts"])


def violated_rules(job: Job) -> dict[str, set[str]]:
    """Page URL -> ids of the rules with a violation stored on that page."""
    failed: dict[str, set[str]] = {}
    rows = (Finding.objects.filter(job=job, outcome=Outcome.VIOLATION)
            .values_list("page_url", "rule_id").distinct())
    for url, rule_id in rows:
        failed.setdefault(url, set()).add(rule_id)
    return failed


def failed_rules_by_page(job: Job) -> dict[str, set[str]]:
    """Page URL -> ids of the rules that crashed on it."""
    failed: dict[str, set[str]] = {}
    for url, rule_id in RuleFailure.objects.filter(job=job).values_list("page_url", "rule_id"):
        failed.setdefault(url, set()).add(rule_id)
    return failed


def store_report(job: Job, *, page_scores: dict[str, dict], site_scores: dict,
                 content: dict) -> Report:
    """Each page's scores into its facts, and the analysis's report (call inside the
    job's final transaction)."""
    _add_to_facts(job, "scores", page_scores)
    report, _ = Report.objects.update_or_create(
        job=job, defaults={"scores": site_scores, "content": content,
                           "versions": versions()})
    return report


def versions() -> dict[str, str]:
    """The versions of what decides the numbers: the same input with the same versions
    gives the same report."""
    found = {}
    for name in ("sitelens", "trafilatura", "py3langid", "pyphen", "snowballstemmer"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "unknown"
    return {**found, "score": str(SCORE_VERSION), "persona_thresholds": THRESHOLDS_VERSION}


def site_data(job: Job) -> SiteData:
    """What a persona review reads: the stored pages (with their main content's stems),
    and the violations with their ids."""
    markdown = dict(PageContent.objects.filter(job=job).values_list("page_id", "markdown"))
    pages = []
    for p in Page.objects.filter(job=job).order_by("id").values(
            "id", "url", "title", "depth", "status_code", "content_type", "links", "facts",
            "size_bytes"):
        facts = p["facts"] or {}
        content = facts.get("content") or {}
        weight = facts.get("weight") or {}
        resources = facts.get("resources") or {}
        ok_html = (p["status_code"] is not None and 200 <= p["status_code"] < 300
                   and p["id"] in markdown)
        pages.append(SitePage(
            id=p["id"], url=p["url"], title=p["title"] or "", depth=p["depth"], ok_html=ok_html,
            links=tuple(p["links"] or ()), anchors=facts.get("anchors") or {},
            headings=tuple(facts.get("headings") or facts.get("h1") or ()),
            content_stems=frozenset(terms.stems(markdown.get(p["id"], ""),
                                                content.get("language") or "en")),
            words=content.get("words", 0), grade=content.get("grade"), lix=content.get("lix"),
            language=content.get("language"),
            total_bytes=weight.get("total_bytes", p["size_bytes"]),
            resources=sum(len(urls) for urls in resources.values()),
            modified=facts.get("modified"),
        ))
    findings = tuple(
        SiteFinding(id=f["id"], page_id=f["page_id"], rule_id=f["rule_id"], severity=f["severity"])
        for f in Finding.objects.filter(job=job, outcome=Outcome.VIOLATION).order_by("id")
        .values("id", "page_id", "rule_id", "severity"))
    started = job.started_at or job.created_at
    return SiteData(start_url=job.url, analysed_on=started.date(), pages=tuple(pages),
                    findings=findings)


def store_focus_group(job: Job, summary: dict) -> None:
    Report.objects.filter(job=job).update(personas=summary)
