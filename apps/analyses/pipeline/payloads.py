"""The data of the events an analysis publishes (what live clients receive)."""

from __future__ import annotations

from collections.abc import Sequence

from apps.analyses.analyzers import Finding
from apps.jobs.models import Page

# Events for one page carry at most this many findings; the rest are in the API.
FINDINGS_PER_EVENT = 50


def page_event(page: Page, findings: Sequence[Finding]) -> dict:
    """A stored page: what the live page list shows, and its violations by severity
    (the status page adds them to its live counts)."""
    violations: dict[str, int] = {}
    for f in findings:
        if f.outcome == "violation":
            violations[f.severity] = violations.get(f.severity, 0) + 1
    return {"id": page.pk, "url": page.url, "status": page.status_code, "depth": page.depth,
            "title": page.title, "error": page.error or None, "findings": len(findings),
            "violations": violations, "fetch_ms": page.fetch_ms}


def findings_event(page_url: str | None, findings: Sequence[Finding]) -> dict:
    return {
        "page": page_url,
        "findings": [
            {"rule_id": f.rule_id, "severity": f.severity, "categories": list(f.categories),
             "outcome": f.outcome, "selector": f.selector, "message": f.message,
             "page_url": f.page_url}
            for f in findings[:FINDINGS_PER_EVENT]
        ],
    }


def progress_event(*, pages_done: int, pages_total: int, stage: str) -> dict:
    return {"pages_done": pages_done, "pages_total": pages_total, "stage": stage}
