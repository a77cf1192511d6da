"""The versioned table every persona review reads its numbers from.

Change a number here and bump `THRESHOLDS_VERSION`: the version is stored with each
review, so two reviews are comparable only when their versions match.
"""

from __future__ import annotations

from dataclasses import dataclass

THRESHOLDS_VERSION = "2026-12-02.1"

EXPERIENCE_LEVELS = ("novice", "intermediate", "expert")
DEVICES = ("mobile", "tablet", "desktop")
NEEDS = ("screen_reader", "keyboard_only", "low_vision", "cognitive")

# -- Comprehension ------------------------------------------------------------------------
# Highest US grade level of the main content a reader handles comfortably. Plain-language
# guidance aims general public content at grade 8-9 (plainlanguage.gov; the US National
# Adult Literacy Survey puts the average adult reading level near grade 8); specialists
# read grade 12 material; WCAG 2.2 SC 3.1.5 (Reading Level, AAA) asks for text that
# needs no more than lower secondary education (about grade 9) or a simpler version,
# and readers with cognitive disabilities are best served near grade 5 (W3C COGA,
# "Making Content Usable", objective 3).
MAX_GRADE = {"novice": 8.0, "intermediate": 9.0, "expert": 12.0}
MAX_GRADE_COGNITIVE = 5.0
GRADE_PENALTY = 15  # points per grade level above the reader's limit


def lix_to_grade(lix: float) -> float:
    """A grade equivalent of LIX for languages without a grade formula: Björnsson's
    bands put LIX 40-50 ("medium", newspapers) at lower to upper secondary school, so
    grade = (LIX - 20) / 2.5 (LIX 40 -> 8, LIX 50 -> 12). An approximation."""
    return max(0.0, (lix - 20.0) / 2.5)


# -- Findability --------------------------------------------------------------------------
# Information scent (Pirolli & Card 1999; Nielsen Norman Group, "Information Scent"):
# users follow the link whose words best predict their goal, and give up when no link
# does. Hops without scent a reader tolerates before it is a problem, and their cost.
SCENTLESS_HOPS_TOLERATED = {"novice": 0, "intermediate": 1, "expert": 2}
SCENTLESS_HOP_PENALTY = {"novice": 30, "intermediate": 20, "expert": 10}
EXTRA_CLICK_PENALTY = 5  # per click beyond DEPTH_COMFORT
DEPTH_COMFORT = 3
GOAL_PAGES = 3  # best-matching pages reviewed for the goal
RELEVANCE_WEIGHTS = {"title": 3, "heading": 2, "url": 1, "content": 1}

# -- Access barriers ----------------------------------------------------------------------
# Rules whose violations block a declared need (axe-core rule ids and Sitelens's own).
NEED_RULES: dict[str, frozenset[str]] = {
    "screen_reader": frozenset({
        "image-alt", "input-image-alt", "area-alt", "object-alt", "role-img-alt", "svg-img-alt",
        "label", "select-name", "button-name", "input-button-name", "link-name",
        "aria-command-name", "aria-input-field-name", "aria-toggle-field-name",
        "aria-dialog-name", "aria-meter-name", "aria-progressbar-name", "aria-tooltip-name",
        "aria-treeitem-name", "aria-tab-name", "summary-name", "frame-title",
        "form-field-multiple-labels", "html-has-lang", "html-lang-valid", "valid-lang",
        "html-xml-lang-mismatch", "content-language-mismatch", "document-title",
        "empty-heading", "heading-order", "page-has-heading-one", "aria-hidden-body",
        "aria-hidden-focus", "aria-required-attr", "aria-valid-attr", "aria-valid-attr-value",
        "aria-allowed-attr", "aria-roles", "aria-required-children", "aria-required-parent",
        "duplicate-id-aria", "td-headers-attr", "th-has-data-cells", "list", "listitem",
        "definition-list", "dlitem", "video-caption",
    }),
    "keyboard_only": frozenset({
        "bypass", "tabindex", "nested-interactive", "aria-hidden-focus", "accesskeys",
        "frame-focusable-content", "scrollable-region-focusable", "link-name", "button-name",
        "duplicate-id-active",
    }),
    "low_vision": frozenset({"meta-viewport", "meta-viewport-large", "color-contrast",
                             "link-in-text-block"}),
    "cognitive": frozenset({"meta-refresh", "meta-refresh-no-exceptions", "blink", "marquee",
                            "label", "document-title", "link-text"}),
}
# Points one violated rule costs on a page that matters, by its impact.
BARRIER_PENALTY = {"critical": 25, "serious": 15, "moderate": 5, "minor": 2}

# -- Page weight ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    name: str
    rtt_ms: float
    throughput_kbps: float
    source: str


# Lighthouse's throttling presets (core/config/constants.js).
NETWORKS: dict[str, Network] = {
    "3g": Network("3g", 300, 700, "Lighthouse mobileRegular3G"),
    "slow-4g": Network("slow-4g", 150, 1.6 * 1024, "Lighthouse mobileSlow4G"),
    "broadband": Network("broadband", 40, 10 * 1024, "Lighthouse desktopDense4G"),
}
DEFAULT_NETWORK = {"mobile": "slow-4g", "tablet": "slow-4g", "desktop": "broadband"}
SETUP_ROUND_TRIPS = 3  # DNS, TCP and TLS before the first byte
PARALLEL_REQUESTS = 6  # connections per host a browser opens (HTTP/1.1)
# Largest Contentful Paint (web.dev/articles/lcp): good <= 2.5 s, poor > 4 s.
LOAD_GOOD_S = 2.5
LOAD_POOR_S = 4.0
LOAD_ZERO_S = 8.0  # the score reaches 0 here (twice "poor")

# -- Trust --------------------------------------------------------------------------------
TRUST_MISSING_PENALTY = 20  # per missing contact / about / privacy / pricing / HTTPS
TRUST_BROKEN_LINK_PENALTY = 10  # per broken link on the way to the goal
FRESH_DAYS = 365  # newest dated page older than this: the site looks abandoned
TRUST_STALE_PENALTY = 10

# -- Overall ------------------------------------------------------------------------------
DIMENSIONS = ("findability", "comprehension", "access", "weight", "trust")
BASE_WEIGHTS = {"findability": 30, "comprehension": 20, "access": 20, "weight": 15, "trust": 15}
NEED_DIMENSION = {"screen_reader": "access", "keyboard_only": "access", "low_vision": "access",
                  "cognitive": "comprehension"}
SLOW_NETWORKS = frozenset({"3g", "slow-4g"})
RAISED = 2  # a declared need (or a slow connection) doubles its dimension's weight

# -- Focus groups -------------------------------------------------------------------------
CONSENSUS = 2 / 3  # seen by at least two thirds of the members
