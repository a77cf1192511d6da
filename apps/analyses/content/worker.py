"""Main-content extraction and its measures in worker processes, beside the crawl.

Extraction (two trafilatura passes) and the measures (language, readability,
fingerprint) are most of a page's analysis CPU, and they are pure Python: threads
cannot run them side by side (the GIL), processes can. So an analysis sends each HTML
page's decoded text to a small pool of processes while its own process goes on
fetching, running the rules of the pages already extracted and storing them: both
cores work on one analysis.

A tree cannot be pickled; the worker parses the same text with the same parser
(`HtmlDocument.parse`), so it extracts from the tree the crawler built, node for node
(a test compares both ways on every page of the test site). What comes back is small:
the Markdown, the texts and the measures.

An analysis starts its pool when its crawl starts and stops it, fork server included,
when the crawl ends: the pool holds about 170 MiB (py3langid's model alone is 74 MiB)
that neither the site analysis after the crawl nor an idle worker needs, and starting
one costs about a second of CPU beside the first pages. It uses the `forkserver` start
method, so its processes start from a clean interpreter: no inherited database
connection, thread or lock. The fork server loads trafilatura and the measures' models
once (`apps.analyses.content.preload`) and the workers are forked from it, sharing those
pages instead of each loading its own copy. When a worker dies the page it had is
extracted in-process and the pool starts new workers for the pages that follow.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver

from apps.analyses.content.extract import EMPTY, MainContent, extract_main
from apps.analyses.content.metrics import ContentMetrics, measure
from apps.web.document import HtmlDocument

Prepared = tuple[MainContent, ContentMetrics | None]


def content_of(document: HtmlDocument, *, consume: bool = False) -> Prepared:
    """A parsed page's main content and its measures (what the pool computes);
    `consume`: nothing reads the document's tree afterwards (see `extract_main`)."""
    declared = document.tree.get("lang")
    content = extract_main(document, consume=consume)
    return content, measure(content.text, declared, content.prose)


def _from_text(text: str, url: str) -> Prepared:
    document = HtmlDocument.parse(text, url)
    if document is None:
        return EMPTY, None
    return content_of(document, consume=True)  # this parse is the worker's own


def _ready() -> bool:
    return True


class ContentPool:
    """`processes` workers extracting main content; `submit` returns a Future of
    `Prepared` (whose result raises BrokenProcessPool if a worker died meanwhile).
    Use it as a context manager: leaving it stops the workers and the fork server."""

    def __init__(self, processes: int):
        self.processes = processes
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["apps.analyses.content.preload"])
        executor = ProcessPoolExecutor(self.processes, mp_context=context)
        executor.submit(_ready)  # start the workers now, not under the first page
        return executor

    def submit(self, document: HtmlDocument) -> Future | None:
        """The page's extraction in a worker; None when the pool cannot take it (the
        page is then extracted in-process). A pool broken by a dead worker gets new
        workers first."""
        if _broken(self.executor):
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = self._start()
        try:
            return self.executor.submit(_from_text, document.text, document.url)
        except (BrokenProcessPool, RuntimeError):  # RuntimeError: shut down meanwhile
            return None

    def close(self) -> None:
        """Stop the workers, then the fork server (and with it the models it holds)."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        _stop_fork_server()

    def __enter__(self) -> ContentPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _broken(executor: ProcessPoolExecutor) -> bool:
    return bool(getattr(executor, "_broken", False))


def _stop_fork_server() -> None:
    """multiprocessing keeps one fork server per process for its life; this stops it
    (the next pool starts a new one). `ForkServer._stop` is how CPython's own tests
    stop it; without it (another Python) the fork server stays, as it would anyway."""
    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def result_or_local(future: Future | None, document: HtmlDocument) -> tuple[Prepared, bool]:
    """The pool's answer, or the same computed here when the pool broke (before it took
    the page: no future; or while it had it); and whether it broke."""
    if future is None:
        return content_of(document), True
    try:
        return future.result(), False
    except BrokenProcessPool:
        return content_of(document), True
