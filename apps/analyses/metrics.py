"""The analyses app's metrics, read at each scrape."""

from __future__ import annotations

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from apps.analyses.analyzers.taxonomy import SEVERITIES
from apps.analyses.models import Finding


def produce():
    family = GaugeMetricFamily("sitelens_findings", "Findings stored, by severity",
                               labels=["severity"])
    counts = dict(Finding.objects.values_list("severity").annotate(n=Count("id")))
    for severity in SEVERITIES:
        family.add_metric([severity], counts.get(severity, 0))
    yield family
