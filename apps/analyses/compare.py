"""Comparing two analyses of a site: what is new, fixed and unchanged.

Findings match by rule, page URL and selector (the message too when a finding has no
selector, as de-duplication keys them). URLs are compared relative to each analysis's
origin, so a staging run compares with a production one; both are normalised first.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from apps.analyses.models import Finding, Report
from apps.jobs.models import Job, Page
from apps.web.urls import normalize_url

MAX_LISTED = 500  # findings listed per bucket (the counts are complete)


def _relative(url: str) -> str:
    parts = urlsplit(normalize_url(url) or url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _findings(job: Job) -> dict[tuple[str, str, str], dict]:
    found = {}
    for f in (Finding.objects.filter(job=job).order_by("id")
              .values("id", "rule_id", "page_url", "selector", "message", "severity", "outcome")):
        key = (f["rule_id"], _relative(f["page_url"]) if f["page_url"] else "",
               f["selector"] or f["message"])
        found.setdefault(key, f)
    return found


def _entry(finding: dict) -> dict:
    return {"id": finding["id"], "rule_id": finding["rule_id"], "page_url": finding["page_url"],
            "selector": finding["selector"], "severity": finding["severity"],
            "outcome": finding["outcome"], "message": finding["message"]}


def compare(job: Job, other: Job) -> dict:
    """`job` against the earlier (or any other) analysis `other`."""
    ours, theirs = _findings(job), _findings(other)
    new = [ours[k] for k in ours if k not in theirs]
    fixed = [theirs[k] for k in theirs if k not in ours]
    unchanged = [ours[k] for k in ours if k in theirs]
    scores = {r.job_id: r.scores for r in Report.objects.filter(job__in=[job, other])}
    mine, previous = scores.get(job.pk) or {}, scores.get(other.pk) or {}
    deltas = {category: (mine[category] - previous[category]
                         if mine.get(category) is not None
                         and previous.get(category) is not None else None)
              for category in sorted(set(mine) | set(previous))}
    pages = {j.pk: {_relative(u): u for u in Page.objects.filter(job=j).values_list("url",
                                                                                   flat=True)}
             for j in (job, other)}
    added = sorted(url for rel, url in pages[job.pk].items() if rel not in pages[other.pk])
    removed = sorted(url for rel, url in pages[other.pk].items() if rel not in pages[job.pk])
    return {
        "analysis": str(job.pk), "with": str(other.pk),
        "findings": {
            "new": {"count": len(new), "results": [_entry(f) for f in new[:MAX_LISTED]]},
            "fixed": {"count": len(fixed), "results": [_entry(f) for f in fixed[:MAX_LISTED]]},
            "unchanged": {"count": len(unchanged),
                          "results": [_entry(f) for f in unchanged[:MAX_LISTED]]},
        },
        "scores": {"analysis": mine or None, "with": previous or None, "delta": deltas},
        "pages": {"added": added, "removed": removed},
    }
