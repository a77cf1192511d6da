"""`html`: a self-contained report, readable offline and printable.

Everything is inline: CSS in a <style> element, the score gauges and the findings chart
as SVG drawn here; no script, font, image or stylesheet is fetched from anywhere (a test
checks the document makes no external request in Chromium). The findings table lists
at most SITELENS_EXPORT_HTML_MAX_FINDINGS findings, the most severe first, and says so
when there are more; the json and csv formats carry all of them.
"""

from __future__ import annotations

from typing import BinaryIO

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from apps.analyses.analyzers.taxonomy import CATEGORIES, SEVERITIES
from apps.analyses.charts import chart, gauge, violation_counts
from apps.analyses.models import Finding
from apps.analyses.outputs import Output
from apps.exports import data


def _findings(job, cap: int) -> list[dict]:
    rank = {severity: index for index, severity in enumerate(SEVERITIES)}
    rows = list(Finding.objects.filter(job=job).order_by("id").values(
        "rule_id", "severity", "outcome", "page_url", "selector", "message", "help_url"))
    rows.sort(key=lambda f: (f["outcome"] != "violation", rank.get(f["severity"], 9)))
    return rows[:cap]


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
        "pages": list(data.page_rows(job))[:2000],
        "generated_at": data.now_iso(),
    }
    return render_to_string("exports/report.html", context)


def write(job, stream: BinaryIO) -> None:
    stream.write(render(job).encode("utf-8"))


OUTPUT = Output(name="html", media_type="text/html", extension="html",
                description="A self-contained report (inline SVG charts), offline and printable.",
                write=write)
