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

The pool is started once per process and kept; it uses the `forkserver` start
method, so its processes start from a clean interpreter: no inherited database
connection, thread or lock. The fork server loads trafilatura and the measures' models
once (`apps.analyses.content.preload`) and the workers are forked from it, sharing those
pages instead of each loading its own copy (about 70 MiB each for py3langid's model). A pool that
breaks (a worker killed) is replaced on the next use, and the pages in flight are
extracted in-process instead.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

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
    `Prepared` (whose result raises BrokenProcessPool if a worker died meanwhile)."""

    def __init__(self, processes: int):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["apps.analyses.content.preload"])
        self.processes = processes
        self.executor = ProcessPoolExecutor(processes, mp_context=context)
        self.executor.submit(_ready)  # start the workers now, not under the first page

    def submit(self, document: HtmlDocument) -> Future | None:
        """The page's extraction in a worker; None when the pool cannot take it (it
        broke: the page is extracted in-process, the next analysis gets a new pool)."""
        try:
            return self.executor.submit(_from_text, document.text, document.url)
        except (BrokenProcessPool, RuntimeError):  # RuntimeError: shut down meanwhile
            return None

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


_pool: ContentPool | None = None
_pool_lock = threading.Lock()


def shared_pool(processes: int) -> ContentPool:
    """This process's pool of `processes` workers, started on first use and replaced
    when broken."""
    global _pool
    with _pool_lock:
        if _pool is not None and (_pool.processes != processes or _broken(_pool)):
            _pool.shutdown()
            _pool = None
        if _pool is None:
            _pool = ContentPool(processes)
        return _pool


def _broken(pool: ContentPool) -> bool:
    return bool(getattr(pool.executor, "_broken", False))


def result_or_local(future: Future | None, document: HtmlDocument) -> tuple[Prepared, bool]:
    """The pool's answer, or the same computed here when the pool broke (before it took
    the page: no future; or while it had it); and whether it broke."""
    if future is None:
        return content_of(document), True
    try:
        return future.result(), False
    except BrokenProcessPool:
        return content_of(document), True
