"""Main content extracted in worker processes is what the analysis's own process
extracts, page for page; an analysis using them stores exactly what one without them
stores; a worker that dies costs no page."""

import os
import signal
import subprocess
import sys

import pytest

from apps.analyses.content.worker import ContentPool, content_of, result_or_local
from apps.analyses.models import Finding, PageContent
from apps.jobs.models import Page, Status
from apps.web.document import HtmlDocument
from tests.support.analyses import create_analysis, run
from tests.support.pool_probe import models_loaded, wait
from tests.support.rule_fixtures import all_fixtures
from tests.support.testsite import TestSite


def _documents() -> list[HtmlDocument]:
    docs = [HtmlDocument.parse(f.html, f.url) for f in all_fixtures()]
    return [d for d in docs if d is not None]


def test_the_pool_extracts_what_this_process_extracts():
    documents = _documents()
    with ContentPool(2) as pool:
        futures = [pool.submit(document) for document in documents]
        for document, future in zip(documents, futures, strict=True):
            assert future.result(timeout=60) == content_of(document), document.url


def test_workers_start_with_the_models_the_fork_server_loaded():
    # A fresh pool (its workers never ran a page): the model is loaded once in the fork
    # server and shared, not loaded by each worker on its first page.
    with ContentPool(3) as pool:
        assert all(pool.executor.submit(models_loaded).result(timeout=60) for _ in range(6))


def _kill_workers(pool: ContentPool) -> None:
    for process in list(pool.executor._processes.values()):
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=10)


def test_a_dead_workers_page_is_extracted_here_and_the_pool_gets_new_workers():
    document = _documents()[0]
    with ContentPool(1) as pool:
        in_flight = pool.executor.submit(wait, 30)
        _kill_workers(pool)
        prepared, broke = result_or_local(in_flight, document)
        assert broke and prepared == content_of(document)
        assert pool.submit(document).result(timeout=60) == prepared  # new workers


def _child_pids() -> set[int]:
    """This process's children and their children (a fork server's workers), except
    multiprocessing's resource tracker (a small process it keeps for good)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    mine, found = {os.getpid()}, True
    while found:
        found = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                found = True
    return {pid for pid in mine - {os.getpid()} if not _is_resource_tracker(pid)}


def _is_resource_tracker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"resource_tracker" in cmdline.read()
    except OSError:
        return False


def test_leaving_the_pool_stops_its_workers_and_the_fork_server():
    """The pool holds the models (over 100 MiB): nothing of it outlives its use."""
    before = _child_pids()
    with ContentPool(2) as pool:
        assert pool.submit(_documents()[0]).result(timeout=60)
        started = _child_pids() - before
        assert len(started) >= 2  # the fork server and the workers started so far
    assert not (_child_pids() & started)


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
    assert not _child_pids()  # the analysis's pool stopped with its crawl


def test_the_analysis_process_loads_neither_the_extractor_nor_the_language_model():
    """The content workers extract and measure; the analysis's own process only reads
    their results, so it must not import trafilatura or py3langid (about 60 MiB)
    with Django and the pipeline."""
    code = (
        "import sys, django; django.setup();"
        "import apps.jobs.runner, apps.analyses.pipeline.audit, apps.analyses.content.worker;"
        "print(sorted(m for m in ('trafilatura', 'py3langid', 'numpy', 'pyphen')"
        " if m in sys.modules))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
