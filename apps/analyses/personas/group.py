"""Focus groups: systematic variations of a template persona, and what they agree on.

Member 0 is the template. The others change it along fixed axes, in a fixed order:
first one axis at a time (every other value of the axis), then pairs of axes (every
combination of other values), until the group has its size. No randomness: the same
template and size give the same members.

The summary counts problems (observation keys of kind "problem") across members:
*consensus* when at least two thirds of the members see it, *majority* when more
than half do, *divergent* otherwise; when not every member sees it, the first axis
that explains the split, if one does ("only the members on a 3g connection"). Counts are "3 of 5 members", never
population percentages.
"""

from __future__ import annotations

import itertools
import statistics

from apps.analyses.personas import terms
from apps.analyses.personas import thresholds as t
from apps.analyses.personas.persona import Member, Persona
from apps.analyses.personas.review import Review

MAX_MEMBERS = 20
PHRASINGS = ("as written", "keywords", "synonyms")
AXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("experience", t.EXPERIENCE_LEVELS),
    ("device", t.DEVICES),
    ("connection", tuple(t.NETWORKS)),
    ("need", ("none", *t.NEEDS)),
    ("phrasing", PHRASINGS),
)
_AXIS_LABEL = {
    "experience": "{value} members", "device": "members on {value}",
    "connection": "members on a {value} connection", "need": "members who use {value}",
    "phrasing": "members who phrase the goal {value}",
}


def axis_value(member: Member, axis: str) -> str:
    persona = member.persona
    if axis == "experience":
        return persona.experience_level
    if axis == "device":
        return persona.device
    if axis == "connection":
        return persona.network
    if axis == "need":
        return "+".join(persona.needs) or "none"
    return member.varied.get("phrasing", "as written")


def _rephrase(goal: str, how: str) -> str:
    if how == "keywords":
        return " ".join(w for w in terms.words(goal) if w not in terms.STOPWORDS and len(w) > 2)
    if how == "synonyms":
        out = []
        for word in terms.words(goal):
            group = next((g for g in terms.SYNONYMS if word in g), None)
            out.append(min(group - {word}) if group and len(group) > 1 else word)
        return " ".join(out)
    return goal


def _apply(persona: Persona, axis: str, value: str) -> Persona:
    if axis == "experience":
        return persona.with_(experience_level=value)
    if axis == "device":
        return persona.with_(device=value)
    if axis == "connection":
        return persona.with_(connection=value)
    if axis == "need":
        return persona.with_(needs=() if value == "none" else (value,))
    return persona.with_(primary_goal=_rephrase(persona.primary_goal, value))


def members(template: Persona, size: int) -> list[Member]:
    """The first `size` members (1-20): the template, single-axis, then pairwise variants."""
    group = [Member(0, template)]
    base = Member(0, template)
    singles = [(axis, value) for axis, values in AXES for value in values
               if value != axis_value(base, axis)]
    for axis, value in singles:
        if len(group) >= size:
            return group
        group.append(Member(len(group), _apply(template, axis, value), {axis: value}))
    for (axis_a, values_a), (axis_b, values_b) in itertools.combinations(AXES, 2):
        for value_a in values_a:
            for value_b in values_b:
                if value_a == axis_value(base, axis_a) or value_b == axis_value(base, axis_b):
                    continue
                if len(group) >= size:
                    return group
                persona = _apply(_apply(template, axis_a, value_a), axis_b, value_b)
                group.append(Member(len(group), persona, {axis_a: value_a, axis_b: value_b}))
    return group


def _explain(group: list[Member], having: set[int]) -> str | None:
    """The first axis whose values split the members exactly into those with and those
    without the problem: "only the members on a 3g connection"."""
    for axis, values in AXES:
        inside = {axis_value(m, axis) for m in group if m.index in having}
        outside = {axis_value(m, axis) for m in group if m.index not in having}
        if outside and not inside & outside:
            order = {value: index for index, value in enumerate(values)}
            named = sorted(inside, key=lambda v: (order.get(v, len(order)), v))
            label = _AXIS_LABEL[axis].format(value=" or ".join(named).replace("_", " "))
            return f"only the {label}"
    return None


def summary(group: list[Member], reviews: list[Review]) -> dict:
    n = len(reviews)
    seen: dict[str, set[int]] = {}
    messages: dict[str, str] = {}
    for member, result in zip(group, reviews, strict=True):
        for observation in result.observations:
            if observation.kind == "problem":
                seen.setdefault(observation.key, set()).add(member.index)
                messages.setdefault(observation.key, observation.message)
    buckets: dict[str, list[dict]] = {"consensus": [], "majority": [], "divergent": []}
    for key in sorted(seen):
        count = len(seen[key])
        entry = {"key": key, "dimension": key.split(":", 1)[0], "message": messages[key],
                 "members": sorted(seen[key]), "seen_by": f"{count} of {n} members"}
        if 3 * count >= 2 * n:
            bucket = "consensus"
        elif 2 * count > n:
            bucket = "majority"
        else:
            bucket = "divergent"
        entry["explained_by"] = _explain(group, seen[key]) if count < n else None
        buckets[bucket].append(entry)
    spread = {}
    for dimension in (*t.DIMENSIONS, "overall"):
        values = [r.overall if dimension == "overall" else r.scores[dimension] for r in reviews]
        spread[dimension] = {"min": min(values), "median": statistics.median_low(values),
                             "max": max(values)}
    return {"members": n, **buckets, "spread": spread}
