"""The persona step of the `single` and `focus_group` kinds: after the audit, review
the stored site as the persona (or as each member of its focus group).

It runs inside the audit's final transaction, after the site findings are stored, so
every finding an observation cites has its id, and the reviews, the report and the
outcome commit together.
"""

from __future__ import annotations

import json

from apps.analyses.models import PersonaReview
from apps.analyses.narrative import enqueue_narratives
from apps.analyses.options import Kind
from apps.analyses.personas.group import members, summary
from apps.analyses.personas.persona import Persona
from apps.analyses.personas.review import review
from apps.analyses.pipeline import store

STAGE = "reviewing"


def review_personas(run) -> None:
    """The finisher of the persona kinds (`run` is the audit's AuditRun)."""
    job = run.ctx.job
    options = run.options
    if job.kind not in (Kind.SINGLE, Kind.FOCUS_GROUP) or not options.persona:
        return
    run.ctx.set_stage(STAGE)
    template = Persona.from_dict(options.persona)
    size = (options.num_variations or 1) if job.kind == Kind.FOCUS_GROUP else 1
    group = members(template, size)
    data = store.site_data(job)
    reviews = [review(member.persona, data) for member in group]
    PersonaReview.objects.bulk_create([
        PersonaReview(job=job, member=member.index, varied=member.varied, **_fields(result))
        for member, result in zip(group, reviews, strict=True)
    ])
    if job.kind == Kind.FOCUS_GROUP:
        store.store_focus_group(job, summary(group, reviews))
    enqueue_narratives(job)
    run.ctx.log(f"Reviewed as {len(group)} persona{'s' if len(group) > 1 else ''}: overall "
                + ", ".join(str(result.overall) for result in reviews) + ".")


def _fields(result) -> dict:
    data = result.as_dict()
    return {"persona": data["persona"], "scores": data["scores"], "overall": data["overall"],
            "weights": data["weights"], "goal_pages": data["goal_pages"], "path": data["path"],
            "observations": data["observations"],
            "thresholds_version": data["thresholds_version"]}


def canonical(value) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8 (same input, same bytes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
