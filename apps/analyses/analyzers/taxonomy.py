"""The vocabulary of findings: severities, categories and outcomes, defined once.

The analyzers, the Finding model, the API filters and the OpenAPI schema all read
these enums, so a new severity or category is one line here. Plain Python (no
Django): the model builds its choices from them.

* **Severity** is axe-core's impact scale, most severe first. SEO and link rules
  use it too, so one severity filter works across every category.
* **Category** is where a finding counts. A rule may count in several: Lighthouse's
  SEO category includes the accessibility audits ``document-title`` and
  ``image-alt`` (lighthouse ``core/config/default-config.js``), so an SEO filter or
  score must see them as well. ``content`` holds the main-content rules (thin,
  near-duplicate, language), ``weight`` what a page costs to download.
* **Outcome** separates what is certainly wrong (axe's "violations") from what a
  person has to judge (axe's "incomplete", shown as ``needs_review``), which never
  lowers a score.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "critical"
    SERIOUS = "serious"
    MODERATE = "moderate"
    MINOR = "minor"


class Category(StrEnum):
    SEO = "seo"
    ACCESSIBILITY = "accessibility"
    LINKS = "links"
    CONTENT = "content"
    WEIGHT = "weight"


class Outcome(StrEnum):
    VIOLATION = "violation"
    NEEDS_REVIEW = "needs_review"


SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, label) pairs for Django model fields and filters."""
    return [(member.value, member.value.replace("_", " ")) for member in enum]
