"""The analyzer core: findings, the rule registry and the two runners.

A rule is one decorated function that yields `Issue`s (what is wrong, on which
element). The registry owns everything that is the same for every rule: turning
an element into a selector and snippet, attaching the rule's metadata,
de-duplicating, and isolating a rule that crashes so one bug cannot cost a
page its whole analysis.

Plain Python on purpose: no Django here, so the rules run in the crawler
worker, in tests and in a shell alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from lxml import etree

from apps.analyses.analyzers import aria, dom, facts
from apps.analyses.analyzers.accname import AccName
from apps.analyses.analyzers.taxonomy import CATEGORIES, SEVERITIES, Category, Outcome, Severity
from apps.analyses.content import ContentMetrics, MainContent, extract_main, measure_page
from apps.web.linkcheck import LinkStatus
from apps.web.robots import RobotsPolicy
from apps.web.types import HTML_CONTENT_TYPES, CrawledPage, RedirectHop
from apps.web.urls import normalize_url

if TYPE_CHECKING:
    from apps.web.directives import RobotsDirectives
    from apps.web.document import HtmlDocument

logger = logging.getLogger(__name__)
_UNSET: Any = object()

# Short names for rule declarations (`categories=(SEO,)`, `severity=MINOR`).
SEO = Category.SEO
ACCESSIBILITY = Category.ACCESSIBILITY
LINKS = Category.LINKS
CONTENT = Category.CONTENT
WEIGHT = Category.WEIGHT
CRITICAL = Severity.CRITICAL
SERIOUS = Severity.SERIOUS
MODERATE = Severity.MODERATE
MINOR = Severity.MINOR

Scope = Literal["page", "site"]


@dataclass(frozen=True)
class Finding:
    """One problem found by one rule, on one page (the unit that is stored)."""

    rule_id: str
    categories: tuple[str, ...]  # every category it counts in (the rule's)
    severity: str
    tags: tuple[str, ...]
    page_url: str  # the URL as crawled (queued), the key of the page row
    selector: str  # CSS selector of the element; "" when about the page as a whole
    snippet: str  # the element's start tag (or a header line); "" when none
    message: str  # what is wrong here, specifically
    help: str  # the rule's one-line advice
    help_url: str
    outcome: str = Outcome.VIOLATION  # or needs_review: a person must judge it


@dataclass(frozen=True)
class Issue:
    """What a rule yields: the specific problem; the registry adds the rest.

    Give `element` and the selector and snippet are derived from it; give
    `selector`/`snippet` directly when there is no element (headers, site
    rules). Site rules must set `page_url`. `severity` overrides the rule's
    default for this one occurrence. `needs_review=True` when the rule cannot decide
    from markup alone (axe's "incomplete"): shown for a person to judge, not scored.
    """

    message: str
    element: etree._Element | None = None
    selector: str = ""
    snippet: str = ""
    page_url: str | None = None
    severity: str | None = None
    needs_review: bool = False


@dataclass(frozen=True)
class RuleError:
    """A rule that raised; its issues for that page (or site) were dropped."""

    rule_id: str
    page_url: str | None  # None for a site rule
    error_type: str  # the exception's class name
    message: str  # what it said (for operators; rules should not raise at all)

    @property
    def error(self) -> str:
        return f"{self.error_type}: {self.message}"


@dataclass
class AnalysisResult:
    findings: list[Finding] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    dropped: int = 0  # findings over the per-page cap, counted but not kept
    # Page rules that ran and found nothing to check (no element of their kind): they
    # do not count in the page's scores, as Lighthouse's "not applicable" audits.
    not_applicable: list[str] = field(default_factory=list)


# One pathological page (5 000 unlabelled inputs, 10 000 bad links) must not store a
# million rows: past this many findings a page keeps the most severe ones.
MAX_FINDINGS_PER_PAGE = 500
_SEVERITY_RANK = {s: rank for rank, s in enumerate(SEVERITIES)}


class PageContext:
    """What a page rule sees: one crawled page, and the per-page work rules share.

    Built once per page. Everything several rules need is computed here at most
    once, over the single parsed tree: the elements in document order and by tag,
    the hidden set (one walk down the tree, not an ancestor walk per question), the
    id index, and accessible-name text by element.
    """

    def __init__(self, page: CrawledPage, content: MainContent | None = None,
                 metrics: ContentMetrics | None = None) -> None:
        self.page = page
        self._content = content
        self._metrics = metrics
        self._content_text: dict[etree._Element, str] = {}
        self._roles: dict[etree._Element, str | None] = {}
        # Applicability, as Lighthouse scores it: a rule that looked for elements
        # (`elements`, `with_role`) and found none did not apply to the page.
        self.queried = self.found = 0

    @property
    def url(self) -> str:
        return self.page.url

    @property
    def final_url(self) -> str:
        return self.page.final_url or self.page.url

    @property
    def status(self) -> int | None:
        return self.page.status

    @property
    def headers(self) -> dict[str, str]:
        return self.page.headers

    @property
    def redirects(self) -> list[RedirectHop]:
        return self.page.redirects

    @property
    def document(self) -> HtmlDocument | None:
        return self.page.document

    @property
    def robots(self) -> RobotsDirectives | None:
        """Meta robots and X-Robots-Tag, as the crawler parsed them."""
        return self.page.robots

    @property
    def tree(self) -> etree._Element:
        """The root element; only for rules that require a document."""
        return self.page.document.tree

    # -- elements -----------------------------------------------------------------------

    @cached_property
    def all_elements(self) -> list[etree._Element]:
        """Every element (no comments or PIs), in document order."""
        return list(dom.elements(self.tree)) if self.document is not None else []

    @cached_property
    def _positions(self) -> dict[etree._Element, int]:
        return {el: index for index, el in enumerate(self.all_elements)}

    def position(self, el: etree._Element) -> int:
        """Index of `el` in document order (to merge element lists back into order)."""
        return self._positions[el]

    @cached_property
    def _by_tag(self) -> dict[str, list[etree._Element]]:
        index: dict[str, list[etree._Element]] = {}
        for el in self.all_elements:
            index.setdefault(el.tag, []).append(el)
        return index

    def elements(self, *tags: str) -> list[etree._Element]:
        """Elements with one of `tags` (all of them when none is given), in document order."""
        if not tags:
            return self._seen(self.all_elements)
        if len(tags) == 1:
            return self._seen(self._by_tag.get(tags[0], []))
        wanted = set(tags)
        return self._seen([el for el in self.all_elements if el.tag in wanted])

    def _seen(self, found: list[etree._Element]) -> list[etree._Element]:
        self.queried += 1
        self.found += bool(found)
        return found

    @cached_property
    def _by_role(self) -> dict[str, list[etree._Element]]:
        index: dict[str, list[etree._Element]] = {}
        for el in self.all_elements:
            role = dom.role(el)
            if role:
                index.setdefault(role, []).append(el)
        return index

    def with_role(self, role: str) -> list[etree._Element]:
        """Elements whose (first) role token is `role`, in document order."""
        return self._seen(self._by_role.get(role, []))

    # -- main content ----------------------------------------------------------------------

    @property
    def content(self) -> MainContent:
        """The page's main content (extracted on first use unless the pipeline gave it)."""
        if self._content is None:
            self._content = extract_main(self.document)
        return self._content

    @property
    def content_metrics(self) -> ContentMetrics:
        if self._metrics is None:
            self._metrics = measure_page(self.page, self.content)
        return self._metrics

    # -- hidden, ids, names ----------------------------------------------------------------

    @cached_property
    def style_hiding(self) -> dom.StyleHiding:
        """The page's `<style>` rules that hide elements by a simple selector."""
        return dom.StyleHiding(self.tree)

    def _hidden_subtrees(self, hides: Callable[[etree._Element], bool]) -> frozenset:
        if self.document is None:
            return frozenset()
        found: set[etree._Element] = set()
        for el in self.all_elements:
            if el not in found and hides(el):
                found.update(dom.elements(el))
        return frozenset(found)

    @cached_property
    def hidden_for_everyone(self) -> frozenset[etree._Element]:
        """Elements not rendered at all (themselves or through an ancestor): the
        hidden attribute, inline or simple-stylesheet display:none and
        visibility:hidden, script/style/template/noscript. Such elements cannot
        take focus either (axe's isHiddenForEveryone)."""
        sheet = self.style_hiding
        return self._hidden_subtrees(lambda el: dom.hidden_for_everyone(el, sheet))

    @cached_property
    def hidden(self) -> frozenset[etree._Element]:
        """Elements out of the accessibility tree: hidden for everyone, or inside
        an aria-hidden="true" subtree (axe's isVisibleToScreenReaders, negated).

        One walk: a subtree is hidden from the first element that hides itself.
        """
        sheet = self.style_hiding
        return self._hidden_subtrees(lambda el: dom.hides_subtree(el, sheet))

    def is_hidden(self, el: etree._Element) -> bool:
        """Not exposed to assistive technology (see `hidden`)."""
        return el in self.hidden

    @cached_property
    def modal_open(self) -> bool:
        """axe's isModalOpen, markup part: a rendered <dialog open>, [role=dialog] or
        [aria-modal=true] (its geometry test for overlay modals needs layout)."""
        for el in self.all_elements:
            is_dialog = (el.tag == "dialog" and el.get("open") is not None) or \
                el.get("role") == "dialog" or el.get("aria-modal") == "true"
            if is_dialog and el not in self.hidden_for_everyone:
                return True
        return False

    def is_focusable(self, el: etree._Element) -> bool:
        """axe's isFocusable: focusable by markup and rendered (aria-hidden does not
        stop focus, which is what aria-hidden-focus is about)."""
        return el not in self.hidden_for_everyone and aria.is_focusable(el)

    def role(self, el: etree._Element, *, no_presentational: bool = False) -> str | None:
        """axe's getRole for `el` (explicit role, else implicit; presentational
        conflict resolution applied), computed once per element."""
        role = self._roles.get(el, _UNSET)
        if role is _UNSET:
            role = self._roles[el] = aria.get_role(el, self.by_id)
        if no_presentational and role in aria.PRESENTATIONAL:
            return None
        return role

    @cached_property
    def id_counts(self) -> Mapping[str, int]:
        counts: dict[str, int] = {}
        for el in self.all_elements:
            el_id = el.get("id")
            if el_id:
                counts[el_id] = counts.get(el_id, 0) + 1
        return counts

    @cached_property
    def by_id(self) -> dict[str, etree._Element]:
        """First element for each id, as getElementById would return."""
        found: dict[str, etree._Element] = {}
        for el in self.all_elements:
            el_id = el.get("id")
            if el_id and el_id not in found:
                found[el_id] = el
        return found

    def content_text(self, el: etree._Element) -> str:
        """`dom.content_text` of `el`, computed once per element."""
        text = self._content_text.get(el)
        if text is None:
            text = self._content_text[el] = dom.content_text(el, self.hidden)
        return text

    def labelledby_text(self, el: etree._Element) -> str:
        """Text of the elements named by aria-labelledby ("" when none resolve)."""
        texts = []
        for ref in (el.get("aria-labelledby") or "").split():
            target = self.by_id.get(ref)
            if target is not None:
                label = (target.get("aria-label") or "").strip()
                texts.append(label or self.content_text(target))
        return " ".join(" ".join(texts).split())

    def aria_name(self, el: etree._Element) -> str:
        """The name given by ARIA (aria-labelledby first, then aria-label)."""
        return self.labelledby_text(el) or " ".join((el.get("aria-label") or "").split())

    @cached_property
    def accname(self) -> AccName:
        """axe's accessible name computation over this page (accname.AccName)."""
        return AccName(self)

    def accessible_name(self, el: etree._Element) -> str:
        """axe's accessibleTextVirtual(el), computed once per element."""
        return self.accname.name(el)

    def selector(self, el: etree._Element) -> str:
        return dom.css_selector(el, self.id_counts)


@dataclass
class PageSummary:
    """What site rules know about a page: no body, so it can come from the database.

    `redirects` is a list of (url, status) pairs; dicts with url/status keys and
    RedirectHop objects are accepted and converted, so a loader can pass stored
    JSON as is. An empty `error` is treated as no error.
    """

    url: str
    final_url: str = ""
    status: int | None = None
    title: str | None = None
    content_type: str = ""
    depth: int = 0
    redirects: list[tuple[str, int]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    error: str | None = None
    source: str = ""  # how the crawler found it: start, link, sitemap, redirect
    facts: dict[str, Any] = field(default_factory=dict)  # see facts.page_facts
    size_bytes: int = 0

    def __post_init__(self) -> None:
        hops: list[tuple[str, int]] = []
        for hop in self.redirects:
            if isinstance(hop, RedirectHop):
                hops.append((hop.url, hop.status))
            elif isinstance(hop, Mapping):
                hops.append((hop["url"], int(hop["status"])))
            else:
                url, status = hop
                hops.append((url, int(status)))
        self.redirects = hops
        self.error = self.error or None
        self.final_url = self.final_url or self.url

    @classmethod
    def from_crawled(cls, page: CrawledPage) -> PageSummary:
        return cls(
            url=page.url,
            final_url=page.final_url,
            status=page.status,
            title=page.document.title if page.document is not None else None,
            content_type=page.content_type,
            depth=page.depth,
            redirects=[(hop.url, hop.status) for hop in page.redirects],
            links=list(page.links),
            error=page.error,
            source=page.source,
            facts=facts.page_facts(page),
            size_bytes=page.size_bytes,
        )

    @property
    def is_html(self) -> bool:
        return self.content_type.split(";")[0].strip().lower() in HTML_CONTENT_TYPES

    @property
    def is_ok_html(self) -> bool:
        """A 200 HTML page: the pages content rules compare."""
        return self.status == 200 and self.is_html

    @property
    def indexable(self) -> bool:
        """Screaming Frog's "Indexable": 200, not noindex, canonical to itself or none."""
        canonical = self.facts.get("canonical")
        return (self.status == 200 and not self.facts.get("noindex")
                and (not canonical or canonical in (self.url, self.final_url)))


@dataclass
class SiteContext:
    """What a site rule sees: every page of the job, as summaries, the URLs the
    site's sitemaps list (normalised), and what the URLs checked after the crawl
    (external links, resources) answered."""

    pages: list[PageSummary]
    sitemap_urls: frozenset[str] = frozenset()
    checked: Mapping[str, LinkStatus] = field(default_factory=dict)
    robots: RobotsPolicy | None = None  # the site's robots.txt as the crawler read it

    @cached_property
    def start_page(self) -> PageSummary | None:
        """The page the crawl started from (site-wide findings are shown on it)."""
        return next((p for p in self.pages if p.source == "start"),
                    self.pages[0] if self.pages else None)

    @cached_property
    def by_url(self) -> dict[str, PageSummary]:
        return {page.url: page for page in self.pages}

    @cached_property
    def by_final_url(self) -> dict[str, PageSummary]:
        """The page each final URL was reached as (the first, in crawl order)."""
        found: dict[str, PageSummary] = {}
        for page in self.pages:
            found.setdefault(page.final_url, page)
        return found

    @cached_property
    def linked_from(self) -> dict[str, list[str]]:
        """URL -> the crawled pages (other than itself) that link to it, in crawl order."""
        index: dict[str, list[str]] = {}
        for page in self.pages:
            for url in dict.fromkeys(page.links):
                if url != page.url and url != page.final_url:
                    index.setdefault(url, []).append(page.url)
        return index


PageCheck = Callable[[PageContext], Iterable[Issue]]
SiteCheck = Callable[[SiteContext], Iterable[Issue]]


@dataclass(frozen=True)
class Rule:
    """A registered rule: its metadata and its check function."""

    id: str
    categories: tuple[str, ...]
    severity: str
    tags: tuple[str, ...]
    title: str
    help: str
    help_url: str
    scope: Scope
    requires_document: bool
    check: Callable[[Any], Iterable[Issue]] = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """The metadata, for documentation and the API (no function)."""
        return {
            "id": self.id,
            "categories": list(self.categories),
            "severity": self.severity,
            "tags": list(self.tags),
            "title": self.title,
            "help": self.help,
            "help_url": self.help_url,
            "scope": self.scope,
        }


class Registry:
    """Rules by id, in registration order.

    The module-level REGISTRY is what the app uses; tests build their own so
    that throwaway rules never leak into real analyses.
    """

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def rules(self, scope: Scope | None = None) -> list[Rule]:
        return [r for r in self._rules.values() if scope is None or r.scope == scope]

    def get(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def ids_in(self, category: str) -> list[str]:
        """Ids of the rules that count in `category` (a rule may count in several)."""
        return [r.id for r in self._rules.values() if category in r.categories]

    def remove(self, rule_id: str) -> None:
        """Unregister a rule (tests that register a throwaway rule clean up with this)."""
        del self._rules[rule_id]

    def page_rule(self, **meta: Any) -> Callable[[PageCheck], PageCheck]:
        """Register `check(page: PageContext) -> Iterable[Issue]`.

        Keywords: id, categories (a tuple: every category the rule counts in),
        severity, tags, title, help, help_url, and requires_document (default
        True; False for rules on status/headers that must also run on pages
        without a parsed body).
        """
        return self._decorator("page", meta)

    def site_rule(self, **meta: Any) -> Callable[[SiteCheck], SiteCheck]:
        """Register `check(site: SiteContext) -> Iterable[Issue]` (same keywords)."""
        meta.setdefault("requires_document", False)
        return self._decorator("site", meta)

    def _decorator(self, scope: Scope, meta: dict[str, Any]) -> Callable:
        def register(fn: Callable) -> Callable:
            self.add(
                Rule(
                    id=meta["id"],
                    categories=tuple(str(c) for c in meta["categories"]),
                    severity=meta["severity"],
                    tags=tuple(meta.get("tags", ())),
                    title=meta["title"],
                    help=meta["help"],
                    help_url=meta.get("help_url", ""),
                    scope=scope,
                    requires_document=meta.get("requires_document", True),
                    check=fn,
                )
            )
            return fn

        return register

    def add(self, rule: Rule) -> None:
        """Validate at import time, so a typo fails loudly instead of storing junk."""
        if rule.id in self._rules:
            raise ValueError(f"duplicate rule id {rule.id!r}")
        if not rule.categories or any(c not in CATEGORIES for c in rule.categories):
            raise ValueError(f"rule {rule.id!r}: unknown or no category in {rule.categories!r}")
        if rule.severity not in SEVERITIES:
            raise ValueError(f"rule {rule.id!r}: unknown severity {rule.severity!r}")
        self._rules[rule.id] = rule


REGISTRY = Registry()
page_rule = REGISTRY.page_rule
site_rule = REGISTRY.site_rule


def rule_ids_in(category: str) -> list[str]:
    """Ids of the registered rules that count in `category`."""
    return REGISTRY.ids_in(category)


def all_rules() -> list[Rule]:
    """Every registered rule (page rules, then site rules), for docs and the API."""
    return REGISTRY.rules("page") + REGISTRY.rules("site")


def run_page_rules(
    page: CrawledPage, registry: Registry = REGISTRY, *, cap: int = MAX_FINDINGS_PER_PAGE,
    content: MainContent | None = None, metrics: ContentMetrics | None = None,
) -> AnalysisResult:
    """Run every page rule on one crawled page; rule crashes come back as errors.

    Rules that need a document are skipped when the page was not parsed
    (non-HTML, error, empty body); status and redirect rules still run. At most
    `cap` findings are kept, the most severe first (document order within a
    severity); `dropped` counts the rest.
    """
    ctx = PageContext(page, content, metrics)
    result = AnalysisResult()
    for rule in registry.rules("page"):
        if rule.requires_document and ctx.document is None:
            continue
        ctx.queried = ctx.found = 0
        before = len(result.findings)
        _run(rule, ctx, page.url, result, selector=ctx.selector)
        if ctx.queried and not ctx.found and len(result.findings) == before:
            result.not_applicable.append(rule.id)
    result.findings = dedupe(result.findings)
    if len(result.findings) > cap:
        kept = sorted(result.findings, key=lambda f: _SEVERITY_RANK.get(f.severity, 99))[:cap]
        result.dropped = len(result.findings) - cap
        result.findings = kept
    return result


def run_site_rules(
    pages: list[PageSummary],
    registry: Registry = REGISTRY,
    *,
    sitemap_urls: Iterable[str] = (),
    checked: Mapping[str, LinkStatus] | None = None,
    robots: RobotsPolicy | None = None,
) -> AnalysisResult:
    """Run every site rule over the summaries of all pages of a job."""
    listed = frozenset(filter(None, (normalize_url(u) for u in sitemap_urls)))
    ctx = SiteContext(pages, sitemap_urls=listed, checked=checked or {}, robots=robots)
    result = AnalysisResult()
    for rule in registry.rules("site"):
        _run(rule, ctx, None, result, selector=dom.css_selector)
    result.findings = dedupe(result.findings)
    return result


def analyze_page(page: CrawledPage, registry: Registry = REGISTRY) -> list[Finding]:
    """Findings for one page (tests and shells; the pipeline keeps the rule errors too)."""
    return run_page_rules(page, registry).findings


def analyze_site(
    pages: list[PageSummary],
    registry: Registry = REGISTRY,
    *,
    sitemap_urls: Iterable[str] = (),
    checked: Mapping[str, LinkStatus] | None = None,
    robots: RobotsPolicy | None = None,
) -> list[Finding]:
    """Site-wide findings, each attached to a page URL (see `analyze_page`)."""
    return run_site_rules(pages, registry, sitemap_urls=sitemap_urls, checked=checked,
                          robots=robots).findings


def _run(
    rule: Rule,
    ctx: PageContext | SiteContext,
    page_url: str | None,
    result: AnalysisResult,
    selector: Callable[[etree._Element], str],
) -> None:
    """Run one rule; all of its findings or, if it raises, none plus an error.

    Issues are materialised and converted inside the try, so a rule that fails
    half-way (or yields a malformed issue) never leaves partial results.
    """
    try:
        findings = [to_finding(rule, issue, page_url, selector) for issue in rule.check(ctx)]
    except Exception as exc:  # a buggy rule must not cost the page its analysis
        logger.exception("analyzer rule %s failed on %s", rule.id, page_url or "site")
        result.errors.append(RuleError(rule.id, page_url, type(exc).__name__, str(exc)[:500]))
        return
    result.findings.extend(findings)


def to_finding(
    rule: Rule,
    issue: Issue,
    page_url: str | None,
    selector: Callable[[etree._Element], str] = dom.css_selector,
) -> Finding:
    url = issue.page_url or page_url
    if not url:
        raise ValueError(f"rule {rule.id!r} yielded an issue without page_url")
    severity = issue.severity or rule.severity
    if severity not in SEVERITIES:
        raise ValueError(f"rule {rule.id!r} yielded unknown severity {severity!r}")
    css = issue.selector
    snippet = issue.snippet
    if issue.element is not None:
        css = css or selector(issue.element)
        snippet = snippet or dom.opening_tag(issue.element)
    return Finding(
        rule_id=rule.id,
        categories=rule.categories,
        severity=severity,
        tags=rule.tags,
        page_url=url,
        selector=css,
        snippet=snippet[: dom.SNIPPET_LIMIT],
        message=issue.message,
        help=rule.help,
        help_url=rule.help_url,
        outcome=Outcome.NEEDS_REVIEW if issue.needs_review else Outcome.VIOLATION,
    )


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """Keep the first finding per (rule_id, page_url, selector).

    Findings without a selector (page-level or site findings) also key on the
    message, so that e.g. two different broken targets linked from one page
    stay two findings while an exact repeat is still dropped.
    """
    seen: set[tuple[str, ...]] = set()
    out = []
    for f in findings:
        key = (
            (f.rule_id, f.page_url, f.selector)
            if f.selector
            else (f.rule_id, f.page_url, "", f.message)
        )
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
