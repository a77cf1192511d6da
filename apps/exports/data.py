"""Reading an analysis for export: one header, then pages and findings streamed from
the database in chunks (an analysis with 100 000 findings is never held in memory)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from apps.analyses.analyzers import all_rules
from apps.analyses.models import Finding, PersonaReview, Report
from apps.analyses.selectors import finding_counts, incomplete_rules_for
from apps.jobs.models import Job, Page

SCHEMA_VERSION = "1.1"  # 1.1: analysis.pruned
CHUNK = 2000
PAGE_FIELDS = ("id", "url", "final_url", "depth", "status_code", "content_type", "size_bytes",
               "fetch_ms", "encoding", "title", "error", "source", "fetched_at",
               "findings_dropped")
FINDING_FIELDS = ("id", "rule_id", "categories", "severity", "outcome", "tags", "page_id",
                  "page_url", "selector", "snippet", "message", "help", "help_url")
_FINDING_JSON = ("categories", "tags")  # JSON lists, repeated from row to row (per rule)
_DECODED_MAX = 10_000


def _iso(value):
    return value.isoformat() if value is not None else None


def report(job: Job) -> Report | None:
    return Report.objects.filter(job=job).first()


def analysis(job: Job) -> dict:
    """The analysis itself: the job, its counts, scores, content summary and personas."""
    found = report(job)
    reviews = [
        {"member": r.member, "persona": r.persona, "varied": r.varied, "scores": r.scores,
         "overall": r.overall, "weights": r.weights, "goal_pages": r.goal_pages,
         "path": r.path, "observations": r.observations,
         "thresholds_version": r.thresholds_version,
         "narrative": ({"text": r.narrative, "model": r.narrative_model, "generated": True}
                       if r.narrative else None)}
        for r in PersonaReview.objects.filter(job=job).order_by("member")
    ]
    return {
        "id": str(job.pk), "url": job.url, "kind": job.kind, "status": job.status,
        "options": job.options, "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at), "finished_at": _iso(job.finished_at),
        "pages_done": job.pages_done, "pruned": job.pruned, "findings": finding_counts(job),
        "incomplete_rules": incomplete_rules_for([job])[job.pk],
        "scores": found.scores if found else None, "content": found.content if found else None,
        "versions": found.versions if found else None,
        "personas": reviews, "focus_group": found.personas if found else None,
    }


def page_rows(job: Job) -> Iterator[dict]:
    rows = Page.objects.filter(job=job).order_by("id").values(*PAGE_FIELDS, "facts")
    for row in rows.iterator(chunk_size=CHUNK):
        facts = row.pop("facts") or {}
        row["fetched_at"] = _iso(row["fetched_at"])
        row["description"] = facts.get("description")
        row["canonical"] = facts.get("canonical")
        row["noindex"] = facts.get("noindex")
        row["weight"] = facts.get("weight")
        row["content"] = facts.get("content")
        row["scores"] = facts.get("scores")
        yield row


def finding_values(findings: QuerySet[Finding]) -> Iterator[dict]:
    """The FINDING_FIELDS of each finding of the ordered queryset `findings`, as dicts.

    `categories` and `tags` are read as their JSON text and each distinct text is decoded
    once: a rule gives the same lists to every finding it makes, and decoding two JSON
    documents per row was half the cost of reading 100 000 findings. Each row gets its
    own lists, equal to what the JSONField would have given.
    """
    texts = {f"{name}_text": Cast(name, TextField()) for name in _FINDING_JSON}
    columns = [f"{name}_text" if name in _FINDING_JSON else name for name in FINDING_FIELDS]
    decoded: dict[str, list] = {}

    def decode(text: str | None) -> list | None:
        if text is None:
            return None
        value = decoded.get(text)
        if value is None:
            if len(decoded) >= _DECODED_MAX:
                decoded.clear()
            value = decoded[text] = json.loads(text)
        return list(value) if isinstance(value, list) else json.loads(text)

    for values in (findings.annotate(**texts).values_list(*columns)
                   .iterator(chunk_size=CHUNK)):
        row = dict(zip(FINDING_FIELDS, values, strict=True))
        for name in _FINDING_JSON:
            row[name] = decode(row[name])
        yield row


def finding_rows(job: Job) -> Iterator[dict]:
    yield from finding_values(Finding.objects.filter(job=job).order_by("id"))


def rules() -> dict[str, dict]:
    return {rule.id: rule.as_dict() for rule in all_rules()}


def now_iso() -> str:
    return timezone.now().isoformat()
