"""Rule fixtures: HTML pages that say, in their own markup, what a rule must flag.

A fixture is `tests/analyses/rules/fixtures/<rule-id>[.<case>].html`. In it:

- `data-expect="fail"` marks every element the rule must report as a violation;
- `data-expect="review"` marks every element it must report as needs_review;
- `data-expect="pass"` marks elements written to pass (documentation: every
  element without fail/review must not be reported, marked or not);
- a finding about the page as a whole (no selector) counts as being about `<html>`,
  so `<html data-expect="fail">` says "this page fails, not on any one element".

Optional response headers for the page go in a comment at the very top:
`<!-- headers: X-Robots-Tag: noindex | Link: <https://x/>; rel="canonical" -->`.
The page is served at FIXTURE_URL unless `<!-- url: https://... -->` says otherwise.

The same files drive the Chromium test, which checks that every reported
selector finds exactly the flagged element in the browser's DOM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml.cssselect import CSSSelector

from apps.analyses.analyzers import Finding, analyze_page
from apps.web.directives import SEARCH_ENGINE_BOTS, RobotsDirectives
from apps.web.document import HtmlDocument
from apps.web.types import CrawledPage

FIXTURES = Path(__file__).resolve().parents[1] / "analyses" / "rules" / "fixtures"
FIXTURE_URL = "https://example.com/fixtures/page"
_HEADERS = re.compile(r"<!--\s*headers:(.*?)-->", re.DOTALL)
_URL = re.compile(r"<!--\s*url:\s*(\S+)\s*-->")


@dataclass
class Fixture:
    path: Path
    rule_id: str
    html: str
    url: str
    headers: dict[str, str]

    @property
    def name(self) -> str:
        return self.path.name


def all_fixtures() -> list[Fixture]:
    return [load(path) for path in sorted(FIXTURES.glob("*.html"))]


def load(path: Path) -> Fixture:
    html = path.read_text(encoding="utf-8")
    headers: dict[str, str] = {}
    match = _HEADERS.search(html[:2000])
    if match:
        for item in match.group(1).split("|"):
            name, _, value = item.partition(":")
            if name.strip():
                headers[name.strip().lower()] = value.strip()
    url_match = _URL.search(html[:2000])
    return Fixture(
        path=path,
        rule_id=path.name.split(".")[0],
        html=html,
        url=url_match.group(1) if url_match else FIXTURE_URL,
        headers=headers,
    )


def crawled(fixture: Fixture) -> CrawledPage:
    document = HtmlDocument.parse(fixture.html, fixture.url)
    robots = RobotsDirectives.parse(
        document.named_metas if document is not None else (),
        [fixture.headers["x-robots-tag"]] if "x-robots-tag" in fixture.headers else [],
        agents=("sitelensbot", *SEARCH_ENGINE_BOTS),
    )
    return CrawledPage(
        url=fixture.url,
        depth=0,
        final_url=fixture.url,
        status=200,
        content_type="text/html",
        headers=fixture.headers,
        redirects=[],
        document=document,
        robots=robots,
    )


def rule_findings(fixture: Fixture) -> tuple[list[Finding], CrawledPage]:
    page = crawled(fixture)
    return [f for f in analyze_page(page) if f.rule_id == fixture.rule_id], page


def resolve(selector: str, page: CrawledPage) -> list:
    """The elements `selector` matches in our tree ("" means the page: `<html>`)."""
    tree = page.document.tree
    if not selector:
        return [tree]
    return CSSSelector(selector)(tree)


def describe(el) -> str:
    attrs = " ".join(f'{k}="{v}"' for k, v in list(el.attrib.items())[:4])
    return f"<{el.tag} {attrs}>".replace(" >", ">")


def outcome_of(finding: Finding) -> str:
    return "review" if finding.outcome == "needs_review" else "fail"


def expected(page: CrawledPage) -> dict:
    """element -> "fail" | "review" for every element marked so."""
    return {
        el: el.get("data-expect")
        for el in page.document.tree.iter()
        if isinstance(el.tag, str) and el.get("data-expect") in ("fail", "review")
    }
