"""Reads about analyses that several places need (API, pages, CLI, final event).

Every function that takes several jobs answers in a fixed number of queries, so a
list endpoint does not grow with its rows.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, Min, Window
from django.db.models.functions import RowNumber

from apps.analyses.analyzers.taxonomy import Outcome, Severity
from apps.analyses.models import Finding, PersonaReview, Report, RuleFailure
from apps.jobs.models import Job

MAX_PAGE_URLS = 10


def _empty_counts() -> dict[str, int]:
    return {**{severity.value: 0 for severity in Severity}, Outcome.NEEDS_REVIEW.value: 0}


def finding_counts_for(jobs) -> dict:
    """{job id: {"critical": n, "serious": n, "moderate": n, "minor": n, "needs_review": n}}:
    violations by severity, and how many findings a person must review. One query."""
    result = {job.pk: _empty_counts() for job in jobs}
    rows = (Finding.objects.filter(job__in=list(result)).values("job_id", "severity", "outcome")
            .annotate(n=Count("id")))
    for row in rows:
        key = row["severity"] if row["outcome"] == Outcome.VIOLATION else Outcome.NEEDS_REVIEW
        result[row["job_id"]][key] += row["n"]
    return result


def finding_counts(job: Job) -> dict[str, int]:
    return finding_counts_for([job])[job.pk]


def incomplete_rules_for(jobs) -> dict:
    """{job id: [{"rule_id", "error_type", "pages", "page_urls"}]}: the rules that raised,
    how often, and on which pages (the first MAX_PAGE_URLS). Two queries; the second
    numbers each group's failures in the database (a window function) and reads only
    the first few of each, so a rule that raised on every one of 10 000 pages costs ten
    rows, not 10 000."""
    ids = [job.pk for job in jobs]
    result: dict = {pk: [] for pk in ids}
    groups = (RuleFailure.objects.filter(job__in=ids)
              .values("job_id", "rule_id", "error_type")
              .annotate(pages=Count("id"), first=Min("id")).order_by("job_id", "first"))
    groups = list(groups)
    if not groups:
        return result
    urls: dict = defaultdict(list)
    numbered = RuleFailure.objects.filter(job__in=ids).annotate(
        position=Window(RowNumber(), partition_by=[F("job_id"), F("rule_id"), F("error_type")],
                        order_by=F("id").asc()))
    for row in (numbered.filter(position__lte=MAX_PAGE_URLS).order_by("id")
                .values("job_id", "rule_id", "error_type", "page_url")):
        urls[(row["job_id"], row["rule_id"], row["error_type"])].append(row["page_url"] or None)
    for row in groups:
        key = (row["job_id"], row["rule_id"], row["error_type"])
        result[row["job_id"]].append({"rule_id": row["rule_id"], "error_type": row["error_type"],
                                      "pages": row["pages"], "page_urls": urls[key]})
    return result


def audit_summary(job: Job) -> dict:
    """What the final `completed` / `failed` event of an analysis adds: counts, the
    site's scores, and each persona's overall score (persona kinds)."""
    report = Report.objects.filter(job=job).only("scores").first()
    summary = {"findings": finding_counts(job),
               "incomplete_rules": len(incomplete_rules_for([job])[job.pk]),
               "scores": report.scores if report is not None else None}
    overall = list(PersonaReview.objects.filter(job=job).order_by("member")
                   .values_list("overall", flat=True))
    if overall:
        summary["personas"] = overall
    return summary
