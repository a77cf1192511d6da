"""`html`: a self-contained report, readable offline and printable.

Everything is inline: CSS in a <style> element, the score gauges and the findings chart
as SVG drawn here; no script, font, image or stylesheet is fetched from anywhere (a test
checks the document makes no external request in Chromium). The findings table lists
at most SITELENS_EXPORT_HTML_MAX_FINDINGS findings, the most severe first, and says so
when there are more; the json and csv formats carry all of them.
"""

from __future__ import annotations

from itertools import islice
from typing import BinaryIO

from django.conf import settings
from django.db.models import Case, Value, When
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from apps.analyses.analyzers.taxonomy import CATEGORIES, SEVERITIES
from apps.analyses.charts import chart, gauge, violation_counts
from apps.analyses.models import Finding
from apps.analyses.outputs import Output
from apps.exports import data


def _findings(job, cap: int) -> list[dict]:
    """The first `cap` findings: violations before those to review, the most severe first,
    then in the order they were found. Sorted and cut by the database, so a report of
    100 000 findings holds `cap` of them, not all."""
    return list(Finding.objects.filter(job=job).alias(
        review=Case(When(outcome="violation", then=Value(0)), default=Value(1)),
        rank=Case(*[When(severity=s, then=Value(i)) for i, s in enumerate(SEVERITIES)],
                  default=Value(len(SEVERITIES))),
    ).order_by("review", "rank", "id").values(
        "rule_id", "severity", "outcome", "page_url", "selector", "message", "help_url")[:cap])


def render(job) -> str:
    analysis = data.analysis(job)
    cap = settings.SITELENS_EXPORT_HTML_MAX_FINDINGS
    total = job.findings.count()
    scores = analysis["scores"] or {}
    context = {
        "analysis": analysis, "job": job,
        "gauges": [(category, mark_safe(gauge(category, scores.get(category))))
                   for category in CATEGORIES],
        "chart": mark_safe(chart(violation_counts(job))),
        "findings": _findings(job, cap), "findings_total": total,
        "findings_cut": total > cap, "cap": cap,
        "pages": list(islice(data.page_rows(job), 2000)),
        "generated_at": data.now_iso(),
    }
    return render_to_string("exports/report.html", context)


def write(job, stream: BinaryIO) -> None:
    stream.write(render(job).encode("utf-8"))


OUTPUT = Output(name="html", media_type="text/html", extension="html",
                description="A self-contained report (inline SVG charts), offline and printable.",
                write=write)
