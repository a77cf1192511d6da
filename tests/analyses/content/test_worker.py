"""Main content extracted in worker processes is what the analysis's own process
extracts, page for page; an analysis using them stores exactly what one without them
stores; a worker that dies costs no page."""

import os
import signal

import pytest

from apps.analyses.content.worker import content_of, result_or_local, shared_pool
from apps.analyses.models import Finding, PageContent
from apps.jobs.models import Page, Status
from apps.web.document import HtmlDocument
from tests.support.analyses import create_analysis, run
from tests.support.pool_probe import models_loaded
from tests.support.rule_fixtures import all_fixtures
from tests.support.testsite import TestSite


def _documents() -> list[HtmlDocument]:
    docs = [HtmlDocument.parse(f.html, f.url) for f in all_fixtures()]
    return [d for d in docs if d is not None]


def test_the_pool_extracts_what_this_process_extracts():
    pool = shared_pool(2)
    documents = _documents()
    futures = [pool.submit(document) for document in documents]
    for document, future in zip(documents, futures, strict=True):
        assert future.result(timeout=60) == content_of(document), document.url


def test_workers_start_with_the_models_the_fork_server_loaded():
    # A fresh pool (its workers never ran a page): the model is loaded once in the fork
    # server and shared, not loaded by each worker on its first page.
    pool = shared_pool(3)
    assert all(pool.executor.submit(models_loaded).result(timeout=60) for _ in range(6))


def test_a_dead_worker_is_replaced_and_its_page_extracted_here():
    pool = shared_pool(1)
    document = _documents()[0]
    assert pool.submit(document).result(timeout=60) == content_of(document)
    for process in list(pool.executor._processes.values()):
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=10)
    prepared, broke = result_or_local(pool.submit(document), document)
    assert broke and prepared == content_of(document)
    fresh = shared_pool(1)
    assert fresh is not pool and fresh.submit(document).result(timeout=60) == prepared


def _stored(job):
    findings = sorted(Finding.objects.filter(job=job).values_list(
        "rule_id", "page_url", "selector", "severity", "outcome", "message"))
    markdown = dict(PageContent.objects.filter(job=job).values_list("page__url", "markdown"))
    facts = {url: (facts or {}).get("content") for url, facts
             in Page.objects.filter(job=job).values_list("url", "facts")}
    return findings, markdown, facts


@pytest.mark.django_db
def test_an_analysis_with_content_workers_stores_what_one_without_stores(user, settings):
    with TestSite() as site:
        settings.SITELENS_ALLOWED_TARGETS = site.host_port
        settings.SITELENS_CONTENT_PROCESSES = 0
        alone = run(create_analysis(user, site.url, max_pages=40, max_depth=3))
        settings.SITELENS_CONTENT_PROCESSES = 2
        settings.SITELENS_CONTENT_POOL_MIN_PAGES = 1
        pooled = run(create_analysis(user, site.url, max_pages=40, max_depth=3))
    assert alone.status == pooled.status == Status.SUCCEEDED
    assert pooled.pages_done == alone.pages_done > 20
    findings, markdown, facts = _stored(pooled)
    assert (findings, markdown, facts) == _stored(alone)
    assert any(markdown.values())
