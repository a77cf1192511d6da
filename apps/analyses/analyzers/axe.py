"""Declaring an accessibility rule with axe-core's published metadata.

`@axe_rule("list")` registers a page rule with axe's impact (as severity), tags,
help text and Deque help URL for that id, all read from data/axe.json (see
aria.py), so what a finding says about its rule is what axe says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from apps.analyses.analyzers.aria import axe_data, axe_version
from apps.analyses.analyzers.base import page_rule
from apps.analyses.analyzers.taxonomy import Category, Severity

_IMPACT_TO_SEVERITY = {
    "critical": Severity.CRITICAL,
    "serious": Severity.SERIOUS,
    "moderate": Severity.MODERATE,
    "minor": Severity.MINOR,
}


def axe_help_url(rule_id: str) -> str:
    """Deque's page for the rule, at the axe version the data was taken from."""
    major_minor = ".".join(axe_version().split(".")[:2])
    return f"https://dequeuniversity.com/rules/axe/{major_minor}/{rule_id}"


def axe_rule(
    rule_id: str,
    *,
    categories: Iterable[str] = (Category.ACCESSIBILITY,),
    help: str | None = None,
    **overrides: Any,
) -> Callable:
    """`page_rule` with axe-core's published impact, tags, title and help URL.

    `help` replaces axe's one-line help where ours says more about the fix;
    `overrides` passes anything else to page_rule (requires_document, severity).
    """
    meta = axe_data()["rules"][rule_id]
    return page_rule(
        id=rule_id,
        categories=tuple(categories),
        severity=overrides.pop("severity", _IMPACT_TO_SEVERITY[meta["impact"] or "minor"]),
        tags=tuple(meta["tags"]),
        title=meta["help"],
        help=help or meta["description"] + ".",
        help_url=axe_help_url(rule_id),
        **overrides,
    )
