"""The whole site's main content as one Markdown document (the documentation-scraper use).

One section per page in crawl order: the page's title as a heading, its URL, then
its main content. Pages are read from the database a batch at a time, so a site of
any size streams in flat memory; the generator is asynchronous, so daphne sends each
batch as it is read instead of buffering the document.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async

from apps.analyses.models import PageContent
from apps.jobs.models import Job

BATCH = 50


def _batch(job_id, after: int) -> list[tuple[int, str, str | None, str]]:
    return list(PageContent.objects.filter(job_id=job_id, page_id__gt=after)
                .order_by("page_id").values_list("page_id", "page__url", "page__title",
                                                 "markdown")[:BATCH])


def header(job: Job, pages: int) -> str:
    finished = job.finished_at.strftime("%Y-%m-%d %H:%M UTC") if job.finished_at else "not yet"
    text = (f"# Main content of {job.url}\n\n"
            f"{pages} pages with HTML, in crawl order; extracted by Sitelens (analysis "
            f"{job.pk}, finished {finished}). Navigation, headers, footers and sidebars are "
            "left out.\n")
    if job.pruned:
        text += (f"\n> The pages' content was removed on {job.pruned['at'][:10]}, "
                 f"{job.pruned['after_days']} days after the analysis ended (retention).\n")
    return text


def section(url: str, title: str | None, markdown: str) -> str:
    heading = " ".join((title or "").split()) or url
    body = markdown.strip() or "_No main content was found on this page._"
    return f"\n---\n\n# {heading}\n\nSource: <{url}>\n\n{body}\n"


async def site_markdown(job: Job) -> AsyncIterator[bytes]:
    count = await sync_to_async(PageContent.objects.filter(job=job).count)()
    yield header(job, count).encode()
    after = 0
    while True:
        rows = await sync_to_async(_batch)(job.pk, after)
        if not rows:
            return
        yield "".join(section(url, title, markdown) for _, url, title, markdown in rows).encode()
        after = rows[-1][0]


def site_sections(job: Job) -> Iterator[str]:
    """The same sections, read synchronously (for exports, which run in the worker)."""
    after = 0
    while True:
        rows = _batch(job.pk, after)
        if not rows:
            return
        for _, url, title, markdown in rows:
            yield section(url, title, markdown)
        after = rows[-1][0]
