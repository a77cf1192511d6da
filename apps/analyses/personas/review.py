"""The persona review: how the crawled site works for one persona, dimension by
dimension, each scored 0-100 with the observations (and their evidence) behind it.

Deterministic: the same site data and persona give the same review, byte for byte
(integer scores, sorted evidence, no clock and no randomness). Every number comes
from `thresholds`; every observation names the pages and findings behind it by the
ids the API serves them under.

The goal's pages are the (at most three) pages whose titles, headings, addresses and
text carry the most goal terms; the best of them decides the comprehension and weight
scores (the others are noted), and the pages on the click path to it plus the goal
pages are the pages whose barriers count.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import date
from urllib.parse import urlsplit

from apps.analyses.personas import terms
from apps.analyses.personas import thresholds as t
from apps.analyses.personas.persona import Persona

MAX_EVIDENCE = 20  # finding ids listed per observation (the count says how many in all)


@dataclass(frozen=True)
class SitePage:
    id: int
    url: str
    title: str = ""
    depth: int = 0
    ok_html: bool = True
    links: tuple[str, ...] = ()
    anchors: dict[str, str] = field(default_factory=dict)  # target URL -> link text
    headings: tuple[str, ...] = ()
    content_stems: frozenset[str] = frozenset()
    words: int = 0
    grade: float | None = None
    lix: float | None = None
    language: str | None = None
    total_bytes: int = 0
    resources: int = 0
    modified: str | None = None  # ISO date


@dataclass(frozen=True)
class SiteFinding:
    id: int
    page_id: int | None
    rule_id: str
    severity: str


@dataclass(frozen=True)
class SiteData:
    start_url: str
    analysed_on: date
    pages: tuple[SitePage, ...]  # crawl order
    findings: tuple[SiteFinding, ...]  # violations only


@dataclass(frozen=True)
class Observation:
    key: str  # stable across members: what the focus group counts
    dimension: str
    kind: str  # problem / note / strength
    message: str
    pages: tuple[int, ...] = ()
    findings: tuple[int, ...] = ()
    findings_total: int = 0


@dataclass
class Review:
    persona: Persona
    scores: dict[str, int]
    overall: int
    weights: dict[str, int]
    goal_pages: list[int]
    path: list[int]
    observations: list[Observation]
    thresholds_version: str = t.THRESHOLDS_VERSION

    def problems(self) -> set[str]:
        return {o.key for o in self.observations if o.kind == "problem"}

    def as_dict(self) -> dict:
        return {
            "persona": self.persona.as_dict(), "scores": self.scores, "overall": self.overall,
            "weights": self.weights, "goal_pages": self.goal_pages, "path": self.path,
            "observations": [asdict(o) | {"pages": list(o.pages), "findings": list(o.findings)}
                             for o in self.observations],
            "thresholds_version": self.thresholds_version,
        }


class _Site:
    """Indexes over the site data that every dimension uses."""

    def __init__(self, data: SiteData) -> None:
        self.data = data
        self.pages = [p for p in data.pages if p.ok_html]
        self.by_url = {p.url: p for p in self.pages}
        self.by_id = {p.id: p for p in data.pages}
        self.findings_on: dict[int, list[SiteFinding]] = {}
        for finding in data.findings:
            if finding.page_id is not None:
                self.findings_on.setdefault(finding.page_id, []).append(finding)
        start = next((p for p in self.pages if p.url == data.start_url), None)
        self.start = start or (self.pages[0] if self.pages else None)

    def shortest_paths(self) -> dict[str, list[SitePage]]:
        """URL -> the first shortest click path from the start page (links in page order)."""
        if self.start is None:
            return {}
        paths = {self.start.url: [self.start]}
        queue = deque([self.start])
        while queue:
            page = queue.popleft()
            for url in page.links:
                target = self.by_url.get(url)
                if target is not None and url not in paths:
                    paths[url] = [*paths[page.url], target]
                    queue.append(target)
        return paths


def _relevance(page: SitePage, groups: list[frozenset[str]], language: str) -> int:
    parts = {
        "title": terms.stems(page.title, language),
        "heading": terms.stems(" ".join(page.headings), language),
        "url": terms.stems(urlsplit(page.url).path.replace("-", " ").replace("/", " "), language),
        "content": page.content_stems,
    }
    return sum(t.RELEVANCE_WEIGHTS[part] * len(terms.matched(groups, found))
               for part, found in parts.items())


def _goal_pages(site: _Site, groups, language) -> list[tuple[SitePage, int]]:
    ranked = sorted(((p, _relevance(p, groups, language)) for p in site.pages),
                    key=lambda item: -item[1])  # stable: crawl order breaks ties
    best = ranked[0][1] if ranked else 0
    return [(p, r) for p, r in ranked if r > 0 and 2 * r >= best][:t.GOAL_PAGES]


def _findability(persona, site, groups, language, goal, paths, out) -> int:
    level = persona.experience_level
    if not goal:
        out.append(Observation("findability:no-match", "findability", "problem",
                               f"No page speaks of the goal (“{persona.primary_goal}”): not in "
                               "titles, headings, addresses or text."))
        return 0
    target = goal[0][0]
    path = paths.get(target.url)
    if path is None:
        out.append(Observation("findability:unreachable", "findability", "problem",
                               f"The best page for the goal, {target.url}, is not linked from "
                               "the start page: it can only be found from outside.",
                               pages=(target.id,)))
        return 40
    penalty = 0
    hops = list(zip(path, path[1:], strict=False))
    scentless = [(a, b) for a, b in hops
                 if not terms.matched(groups, terms.stems(a.anchors.get(b.url, ""), language))]
    tolerated = t.SCENTLESS_HOPS_TOLERATED[level]
    kind = "problem" if len(scentless) > tolerated else "note"
    for a, b in scentless:
        label = a.anchors.get(b.url, "") or "(no text)"
        out.append(Observation(
            f"findability:no-scent:{a.url}->{b.url}", "findability", kind,
            f"On the way to {target.url}, the link from {a.url} to {b.url} reads “{label}”: "
            f"nothing in it points to the goal (a {level} tolerates {tolerated} such "
            f"link{'s' if tolerated != 1 else ''}).", pages=(a.id, b.id)))
        penalty += t.SCENTLESS_HOP_PENALTY[level]
    clicks = len(hops)
    if clicks > t.DEPTH_COMFORT:
        out.append(Observation("findability:deep", "findability", "problem",
                               f"{target.url} is {clicks} clicks from the start page.",
                               pages=(target.id,)))
        penalty += t.EXTRA_CLICK_PENALTY * (clicks - t.DEPTH_COMFORT)
    if not scentless:
        out.append(Observation("findability:clear-path", "findability", "strength",
                               f"Every link on the {clicks}-click path to {target.url} names "
                               "the goal.", pages=tuple(p.id for p in path)))
    return max(0, 100 - penalty)


def _grade(page: SitePage) -> float | None:
    if page.grade is not None:
        return page.grade
    return t.lix_to_grade(page.lix) if page.lix is not None else None


def _comprehension(persona, goal, out) -> int:
    limit = t.MAX_GRADE[persona.experience_level]
    if "cognitive" in persona.needs:
        limit = min(limit, t.MAX_GRADE_COGNITIVE)
    scores = []
    for rank, (page, _relevance_score) in enumerate(goal):
        kind = "problem" if rank == 0 else "note"  # the best match decides; others inform
        if persona.language and page.language and page.language != persona.language:
            out.append(Observation(f"comprehension:language:{page.url}", "comprehension",
                                   kind, f"{page.url} is written in “{page.language}”; "
                                   f"the reader reads “{persona.language}”.", pages=(page.id,)))
            scores.append(0)
            continue
        grade = _grade(page)
        if grade is None:
            out.append(Observation(f"comprehension:unmeasured:{page.url}", "comprehension",
                                   "note", f"{page.url} has too little text to measure its "
                                   "reading level.", pages=(page.id,)))
            continue
        if grade > limit:
            out.append(Observation(
                f"comprehension:too-hard:{page.url}", "comprehension", kind,
                f"{page.url} reads at grade {grade:.1f}; this reader is comfortable up to "
                f"grade {limit:.0f}.", pages=(page.id,)))
            scores.append(max(0, round(100 - t.GRADE_PENALTY * (grade - limit))))
        else:
            scores.append(100)
    return scores[0] if scores else 100


def _access(persona, site, pages_that_matter, out) -> int:
    if not persona.needs:
        out.append(Observation("access:no-needs", "access", "note",
                               "No accessibility needs declared: barriers are not weighed."))
        return 100
    relevant = set().union(*(t.NEED_RULES[need] for need in persona.needs))
    by_rule: dict[str, list[SiteFinding]] = {}
    for page in pages_that_matter:
        for finding in site.findings_on.get(page.id, ()):
            if finding.rule_id in relevant:
                by_rule.setdefault(finding.rule_id, []).append(finding)
    penalty = 0
    for rule_id, found in sorted(by_rule.items()):
        pages = sorted({f.page_id for f in found})
        worst = min(found, key=lambda f: list(t.BARRIER_PENALTY).index(f.severity)).severity
        penalty += t.BARRIER_PENALTY[worst] * len(pages)
        needs = sorted(need for need in persona.needs if rule_id in t.NEED_RULES[need])
        ids = sorted(f.id for f in found)
        out.append(Observation(
            f"access:{rule_id}", "access", "problem",
            f"{rule_id} ({worst}) on {len(pages)} page{'s' if len(pages) > 1 else ''} on the "
            f"way to the goal blocks a reader who uses {' and '.join(n.replace('_', ' ') for n in needs)}.",
            pages=tuple(pages), findings=tuple(ids[:MAX_EVIDENCE]), findings_total=len(ids)))
    return max(0, 100 - penalty)


def load_seconds(page: SitePage, network: t.Network) -> float:
    """Round trips to connect and fetch the HTML and the resources (PARALLEL_REQUESTS at
    a time), plus the bytes at the network's throughput."""
    trips = t.SETUP_ROUND_TRIPS + 1 + math.ceil(page.resources / t.PARALLEL_REQUESTS)
    transfer = page.total_bytes * 8 / (network.throughput_kbps * 1024)
    return trips * network.rtt_ms / 1000 + transfer


def _load_score(seconds: float) -> int:
    if seconds <= t.LOAD_GOOD_S:
        return 100
    if seconds <= t.LOAD_POOR_S:
        return round(100 - 50 * (seconds - t.LOAD_GOOD_S) / (t.LOAD_POOR_S - t.LOAD_GOOD_S))
    if seconds <= t.LOAD_ZERO_S:
        return round(50 - 50 * (seconds - t.LOAD_POOR_S) / (t.LOAD_ZERO_S - t.LOAD_POOR_S))
    return 0


def _weight(persona, goal, out) -> int:
    network = t.NETWORKS[persona.network]
    scores = []
    for rank, (page, _relevance_score) in enumerate(goal):
        seconds = load_seconds(page, network)
        scores.append(_load_score(seconds))
        where = (f"on {network.name} ({network.source}: {network.rtt_ms:.0f} ms round trip, "
                 f"{network.throughput_kbps / 1024:.1f} Mbit/s)")
        size = f"{page.total_bytes / 1000:,.0f} kB"
        if seconds > t.LOAD_POOR_S:
            out.append(Observation(f"weight:slow:{page.url}", "weight",
                                   "problem" if rank == 0 else "note",
                                   f"{page.url} ({size}) takes about {seconds:.1f} s to load "
                                   f"{where}; over {t.LOAD_POOR_S:g} s is poor.",
                                   pages=(page.id,)))
        elif seconds > t.LOAD_GOOD_S:
            out.append(Observation(f"weight:needs-improvement:{page.url}", "weight", "note",
                                   f"{page.url} ({size}) takes about {seconds:.1f} s to load "
                                   f"{where}; up to {t.LOAD_GOOD_S:g} s is good.",
                                   pages=(page.id,)))
    return scores[0] if scores else 100


_TRUST_PAGES = {
    "contact": "contact support phone email kontakt impressum",
    "about": "about team company story",
    "privacy": "privacy datenschutz gdpr cookies",
}


def _trust(persona, site, groups, language, goal, path, out) -> int:
    penalty = 0
    texts = {}
    for page in site.pages:
        anchor_text = " ".join(text for other in site.pages
                               for url, text in other.anchors.items() if url == page.url)
        texts[page.id] = terms.stems(f"{page.title} {urlsplit(page.url).path} {anchor_text}"
                                     .replace("-", " ").replace("/", " "), "en")
    wanted = dict(_TRUST_PAGES)
    if terms.is_commercial(groups, language):
        wanted["pricing"] = "price pricing prices cost plans"
    for name, vocabulary in wanted.items():
        vocabulary_stems = terms.stems(vocabulary, "en")
        found = [p for p in site.pages if texts[p.id] & vocabulary_stems]
        if found:
            out.append(Observation(f"trust:has-{name}", "trust", "strength",
                                   f"The site has a “{name}” page ({found[0].url}).",
                                   pages=(found[0].id,)))
        else:
            penalty += t.TRUST_MISSING_PENALTY
            out.append(Observation(f"trust:no-{name}", "trust", "problem",
                                   f"No “{name}” page was found."))
    if urlsplit(site.data.start_url).scheme != "https":
        penalty += t.TRUST_MISSING_PENALTY
        out.append(Observation("trust:no-https", "trust", "problem",
                               f"The site is served over plain HTTP ({site.data.start_url}): "
                               "browsers mark it “Not secure”.",
                               pages=(site.start.id,) if site.start is not None else ()))
    dated = sorted(p.modified for p in site.pages if p.modified)
    if not dated:
        out.append(Observation("trust:undated", "trust", "note",
                               "No page says when it was last changed."))
    elif (site.data.analysed_on - date.fromisoformat(dated[-1])).days > t.FRESH_DAYS:
        penalty += t.TRUST_STALE_PENALTY
        newest = next(p for p in site.pages if p.modified == dated[-1])
        out.append(Observation("trust:stale", "trust", "problem",
                               f"The newest page ({newest.url}) is dated {dated[-1]}, over a "
                               "year ago.", pages=(newest.id,)))
    broken = sorted((f for page in path for f in site.findings_on.get(page.id, ())
                     if f.rule_id == "broken-link"), key=lambda f: f.id)
    if broken:
        penalty += t.TRUST_BROKEN_LINK_PENALTY * len(broken)
        out.append(Observation("trust:broken-links", "trust", "problem",
                               f"{len(broken)} broken link{'s' if len(broken) > 1 else ''} on "
                               "the way to the goal.",
                               pages=tuple(sorted({f.page_id for f in broken})),
                               findings=tuple(f.id for f in broken[:MAX_EVIDENCE]),
                               findings_total=len(broken)))
    return max(0, 100 - penalty)


def weights_for(persona: Persona) -> dict[str, int]:
    weights = dict(t.BASE_WEIGHTS)
    for dimension in sorted({t.NEED_DIMENSION[need] for need in persona.needs}):
        weights[dimension] *= t.RAISED
    if persona.network in t.SLOW_NETWORKS:
        weights["weight"] *= t.RAISED
    return weights


def review(persona: Persona, data: SiteData) -> Review:
    """The review of `data` (one crawled site) as `persona` sees it."""
    site = _Site(data)
    language = persona.language or "en"
    groups = terms.goal_groups(persona.primary_goal, language)
    goal = _goal_pages(site, groups, language)
    paths = site.shortest_paths()
    path = paths.get(goal[0][0].url, []) if goal else []
    matter = list({p.id: p for p in [*path, *(page for page, _ in goal)]}.values())
    observations: list[Observation] = []
    scores = {
        "findability": _findability(persona, site, groups, language, goal, paths, observations),
        "comprehension": _comprehension(persona, goal, observations),
        "access": _access(persona, site, matter, observations),
        "weight": _weight(persona, goal, observations),
        "trust": _trust(persona, site, groups, language, goal, path, observations),
    }
    weights = weights_for(persona)
    overall = round(sum(scores[d] * weights[d] for d in t.DIMENSIONS) / sum(weights.values()))
    order = {kind: index for index, kind in enumerate(("problem", "note", "strength"))}
    observations.sort(key=lambda o: (t.DIMENSIONS.index(o.dimension), order[o.kind], o.key))
    return Review(persona=persona, scores=scores, overall=overall, weights=weights,
                  goal_pages=[page.id for page, _ in goal], path=[page.id for page in path],
                  observations=observations)
