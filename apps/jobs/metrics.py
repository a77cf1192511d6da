"""The jobs app's metrics: counted once per analysis, in the transaction that ends it
(so a worker anywhere adds to the same database counters), and read at each scrape."""

from __future__ import annotations

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from apps.core import metrics
from apps.core.lifecycle import STARTED
from apps.jobs import stats
from apps.jobs.models import Job, Page, Status

FETCH = "sitelens_crawl_fetch_seconds"
FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def on_transition(sender, *, job, transition, **kwargs) -> None:
    """At an analysis's end: its pages and their fetch times, and how it ended."""
    if transition == STARTED:
        return
    fetched = Q(status_code__isnull=False)
    found = Page.objects.filter(job_id=job.pk).aggregate(
        pages=Count("id"), fetched=Count("id", filter=fetched),
        total_ms=Sum("fetch_ms", filter=fetched, default=0),
        **{f"le{i}": Count("id", filter=fetched & Q(fetch_ms__lte=bound * 1000))
           for i, bound in enumerate(FETCH_BUCKETS)})
    metrics.add("sitelens_analyses_ended", 1, status=job.status, kind=job.kind)
    if found["pages"]:
        metrics.add("sitelens_pages_crawled", found["pages"])
    if found["fetched"]:
        metrics.add(f"{FETCH}_count", found["fetched"])
        metrics.add(f"{FETCH}_sum", found["total_ms"] / 1000)
        for i, bound in enumerate(FETCH_BUCKETS):
            if found[f"le{i}"]:
                metrics.add(f"{FETCH}_bucket", found[f"le{i}"], le=f"{bound:g}")


def produce():
    by_status = GaugeMetricFamily("sitelens_analyses", "Analyses stored, by status",
                                  labels=["status"])
    for status, count in stats.analyses()["by_status"].items():
        by_status.add_metric([status], count)
    yield by_status
    yield metrics.database_counter("sitelens_analyses_ended", "Analyses that ended, by how",
                                   ("status", "kind"))
    yield metrics.database_counter("sitelens_pages_crawled", "Pages crawled")
    yield metrics.database_histogram(FETCH, "Time to fetch a crawled page", FETCH_BUCKETS)
    queue = GaugeMetricFamily("sitelens_task_queue_depth", "Tasks waiting in the broker")
    queue.add_metric([], stats.queue()["queued"])
    yield queue
    oldest = Job.objects.filter(status=Status.QUEUED).aggregate(at=Min("created_at"))["at"]
    age = GaugeMetricFamily("sitelens_oldest_queued_analysis_seconds",
                            "Age of the oldest analysis waiting for a worker (0: none)")
    age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0)
    yield age
