"""Score gauges and the findings chart as inline SVG, drawn on the server.

The report page and the HTML export share them: nothing is fetched from anywhere,
each figure carries a text alternative (role="img" + aria-label), and the colours
are presentation attributes, which a strict Content-Security-Policy allows.
"""

from __future__ import annotations

import math

from django.db.models import Count
from django.utils.html import escape

from apps.analyses.analyzers.taxonomy import CATEGORIES, SEVERITIES
from apps.analyses.models import Finding

SEVERITY_COLOURS = {"critical": "#b3261e", "serious": "#e8710a", "moderate": "#f9ab00",
                    "minor": "#5f6368"}


def gauge(label: str, score: int | None) -> str:
    """A ring gauge, 0-100, as inline SVG with a text alternative."""
    radius, width = 36, 9
    circumference = 2 * math.pi * radius
    value = 0 if score is None else score
    colour = "#188038" if value >= 90 else "#e8710a" if value >= 50 else "#b3261e"
    dash = circumference * value / 100
    shown = "–" if score is None else str(score)
    return (
        f'<svg class="gauge" viewBox="0 0 100 100" width="110" height="110" role="img" '
        f'aria-label="{escape(label)}: {shown} of 100">'
        f'<circle cx="50" cy="50" r="{radius}" fill="none" stroke="#e0e0e0" '
        f'stroke-width="{width}"/>'
        f'<circle cx="50" cy="50" r="{radius}" fill="none" stroke="{colour}" '
        f'stroke-width="{width}" stroke-dasharray="{dash:.1f} {circumference:.1f}" '
        f'transform="rotate(-90 50 50)"/>'
        f'<text x="50" y="56" text-anchor="middle" font-size="22" font-weight="bold">'
        f'{shown}</text></svg>'
    )


def chart(counts: dict[str, dict[str, int]]) -> str:
    """Violations per category, stacked by severity, as a horizontal bar chart (SVG)."""
    row, label_width, bar_width = 26, 110, 360
    largest = max([sum(by.values()) for by in counts.values()] + [1])
    height = row * len(counts) + 30
    parts = [f'<svg viewBox="0 0 {label_width + bar_width + 60} {height}" width="100%" '
             f'role="img" aria-label="Violations by category and severity">']
    for index, (category, by) in enumerate(counts.items()):
        y = index * row + 4
        parts.append(f'<text x="0" y="{y + 15}" font-size="13">{escape(category)}</text>')
        x = label_width
        for severity in SEVERITIES:
            n = by.get(severity, 0)
            if n:
                w = bar_width * n / largest
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="18" '
                             f'fill="{SEVERITY_COLOURS[severity]}"><title>{n} {severity}'
                             f'</title></rect>')
                x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="12">'
                     f'{sum(by.values())}</text>')
    legend_y = row * len(counts) + 22
    x = label_width
    for severity in SEVERITIES:
        parts.append(f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" '
                     f'fill="{SEVERITY_COLOURS[severity]}"/><text x="{x + 14}" y="{legend_y}" '
                     f'font-size="11">{severity}</text>')
        x += 85
    parts.append("</svg>")
    return "".join(parts)


def violation_counts(job) -> dict[str, dict[str, int]]:
    """{category: {severity: violations}}; a finding counts in each of its categories.

    Counted by the database, per distinct (categories, severity): a rule gives every
    finding the same categories, so an analysis of 100 000 findings is a few dozen rows
    here instead of 100 000."""
    counts = {category: dict.fromkeys(SEVERITIES, 0) for category in CATEGORIES}
    rows = (Finding.objects.filter(job=job, outcome="violation")
            .values("categories", "severity").annotate(n=Count("id")).order_by())
    for row in rows:
        for category in row["categories"]:
            if category in counts and row["severity"] in counts[category]:
                counts[category][row["severity"]] += row["n"]
    return counts
