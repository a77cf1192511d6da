"""Prometheus metrics (prometheus_client), at /metrics and /api/v1/system/metrics.

Two kinds, so that what worker processes do reaches the endpoint without a shared
multiprocess directory (which cannot span containers or hosts):

* Per web process, in memory: HTTP requests and their latency by route template and
  status, WebSocket connections open. Prometheus scrapes each web process.
* From the database at scrape time, the same from every process: what the apps
  register with `register_producer` (analyses by status, findings by severity, the
  queue, webhook deliveries by outcome) and the counters workers add to in the
  database (`add`: pages crawled, crawl fetch latency), which only ever grow.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

from apps.core.models import MetricCounter

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

HTTP_REQUESTS = Counter("sitelens_http_requests", "HTTP requests answered by this process",
                        ["method", "route", "status"], registry=REGISTRY)
HTTP_LATENCY = Histogram("sitelens_http_request_duration_seconds",
                         "Time to answer an HTTP request (this process)", ["method", "route"],
                         registry=REGISTRY,
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
WEBSOCKETS = Gauge("sitelens_websocket_connections", "WebSocket connections open (this process)",
                   registry=REGISTRY)

_producers: dict[str, Callable[[], Iterable[Metric]]] = {}


def register_producer(name: str, producer: Callable[[], Iterable[Metric]]) -> None:
    """`producer()` yields metric families read from the database at each scrape."""
    _producers[name] = producer


def add(name: str, amount: float, **labels: str) -> None:
    """Add `amount` to the database counter `name{labels}` (from any process)."""
    key = json.dumps(labels, sort_keys=True)
    if MetricCounter.objects.filter(name=name, labels=key).update(value=F("value") + amount):
        return
    try:
        with transaction.atomic():
            MetricCounter.objects.create(name=name, labels=key, value=amount)
    except IntegrityError:  # another process made it meanwhile
        MetricCounter.objects.filter(name=name, labels=key).update(value=F("value") + amount)


def counters(prefix: str) -> dict[tuple[str, str], float]:
    return {(c.name, c.labels): c.value for c in MetricCounter.objects.filter(
        name__startswith=prefix)}


def database_counter(name: str, documentation: str, labelnames: tuple[str, ...] = ()
                     ) -> CounterMetricFamily:
    """The counter `name` as every process added to it, one sample per label set."""
    family = CounterMetricFamily(name, documentation, labels=labelnames)
    for (found, key), value in sorted(counters(name).items()):
        if found == name:
            labels = json.loads(key)
            family.add_metric([labels.get(label, "") for label in labelnames], value)
    return family


def database_histogram(name: str, documentation: str, buckets: Iterable[float]
                       ) -> HistogramMetricFamily:
    """A histogram whose buckets workers `add` to: `{name}_bucket{le}` (cumulative),
    `{name}_sum`, `{name}_count`."""
    found = counters(name)
    rows = [(_le(bound), found.get((f"{name}_bucket", json.dumps({"le": _le(bound)})), 0))
            for bound in buckets]
    count = found.get((f"{name}_count", "{}"), 0)
    family = HistogramMetricFamily(name, documentation)
    family.add_metric([], [*rows, ("+Inf", count)], sum_value=found.get((f"{name}_sum", "{}"), 0))
    return family


def _le(bound: float) -> str:
    return f"{bound:g}"


class _DatabaseCollector:
    def collect(self):
        for _name, producer in sorted(_producers.items()):
            yield from producer()


REGISTRY.register(_DatabaseCollector())


def exposition() -> bytes:
    return generate_latest(REGISTRY)
