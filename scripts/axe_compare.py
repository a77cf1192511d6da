"""Compare Sitelens's accessibility findings with axe-core's, element by element.

For each HTML file (default: every rule fixture in tests/analyses/rules/fixtures),
serve it on loopback, open it in Chromium, run axe-core there with the rules
Sitelens implements, and compare, per rule, the set of (element, outcome) pairs:
axe's violations and incomplete ("needs review") nodes against our findings.
Elements are compared by their position in the browser's DOM, so a finding
matches only if our selector resolves to the very element axe reported.

    npm install --prefix /tmp/axe axe-core@4.14.1
    .venv/bin/python scripts/axe_compare.py --axe /tmp/axe/node_modules/axe-core/axe.js \
        [FILE.html ...] [--rules id,id] [--verbose]

Prints one line per rule (agreeing elements, ours only, axe only) and, with
--verbose, every disagreement. Needs Chromium (/usr/bin/chromium) and Playwright.
Exit status 1 when any rule disagrees, so it can gate a change by hand.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from playwright.sync_api import sync_playwright  # noqa: E402

from apps.analyses.analyzers import all_rules, analyze_page  # noqa: E402
from tests.support.http_server import LocalHTTPServer, Reply  # noqa: E402
from tests.support.rule_fixtures import FIXTURE_URL, FIXTURES, Fixture, crawled, load  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]

# Index of every element in document order, and the index each selector resolves to.
INDEX_JS = """(sels) => {
  const all = Array.from(document.querySelectorAll('*'));
  return sels.map(s => { try { const f = document.querySelectorAll(s || 'html');
    return f.length === 1 ? all.indexOf(f[0]) : -1; } catch (e) { return -2; } });
}"""

RUN_JS = """async (ids) => {
  const res = await axe.run(document, {runOnly: {type: 'rule', values: ids},
                                       resultTypes: ['violations', 'incomplete']});
  const all = Array.from(document.querySelectorAll('*'));
  const out = [];
  for (const [kind, list] of [['fail', res.violations], ['review', res.incomplete]]) {
    for (const r of list) for (const n of r.nodes) {
      if (n.target.length !== 1) continue;  // inside a frame or shadow root
      const el = document.querySelector(n.target[0]);
      out.push([r.id, kind, all.indexOf(el), n.target[0]]);
    }
  }
  return out;
}"""


_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)


def _load(path: Path) -> Fixture:
    """A rule fixture, or any HTML file (decoded as UTF-8, bad bytes replaced)."""
    if path.resolve().parent == FIXTURES:
        return load(path)
    html = path.read_bytes().decode("utf-8", errors="replace")
    return Fixture(path=path, rule_id="", html=html, url=FIXTURE_URL, headers={})


def axe_rule_ids(known: set[str]) -> list[str]:
    return sorted(r.id for r in all_rules() if r.id in known and r.scope == "page")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--axe", required=True, type=Path, help="path to axe-core's axe.js")
    parser.add_argument("--rules", default="", help="comma-separated rule ids (default: all)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--strip-scripts", action="store_true",
                        help="remove the pages' own <script> elements first (real-world "
                        "pages that rewrite their DOM), so both sides judge the same markup")
    args = parser.parse_args()

    files = args.files or sorted(FIXTURES.glob("*.html"))
    axe_source = args.axe.read_text(encoding="utf-8")
    with LocalHTTPServer() as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        tab = browser.new_page()
        tab.goto("about:blank")
        tab.evaluate(axe_source)
        known = set(tab.evaluate("axe.getRules().map(r => r.ruleId)"))
        ids = axe_rule_ids(known)
        if args.rules:
            ids = [i for i in ids if i in args.rules.split(",")]
        agree: dict[str, int] = defaultdict(int)
        ours_only: dict[str, list] = defaultdict(list)
        axe_only: dict[str, list] = defaultdict(list)
        for index, path in enumerate(files):
            fixture = _load(path)
            if args.strip_scripts:
                fixture.html = _SCRIPT.sub("", fixture.html)
            if "http-equiv=\"refresh\"" in fixture.html.lower():
                continue  # navigates away
            server.route(f"/{index}", Reply(200, fixture.html, {"Content-Type": "text/html; charset=utf-8"}))
            tab.goto(server.url(f"/{index}"))
            tab.evaluate(axe_source)
            theirs = {(rule, pos, kind): sel for rule, kind, pos, sel in tab.evaluate(RUN_JS, ids)}
            findings = [f for f in analyze_page(crawled(fixture)) if f.rule_id in ids]
            positions = tab.evaluate(INDEX_JS, [f.selector for f in findings])
            mine = {
                (f.rule_id, pos, "review" if f.outcome == "needs_review" else "fail"): f.selector
                for f, pos in zip(findings, positions, strict=True)
            }
            for key in mine.keys() & theirs.keys():
                agree[key[0]] += 1
            for key in mine.keys() - theirs.keys():
                ours_only[key[0]].append((path.name, key[2], mine[key]))
            for key in theirs.keys() - mine.keys():
                axe_only[key[0]].append((path.name, key[2], theirs[key]))
        browser.close()

    bad = 0
    for rule in ids:
        a, o, x = agree[rule], ours_only[rule], axe_only[rule]
        if not (a or o or x):
            continue
        bad += bool(o or x)
        print(f"{rule:40} agree {a:4}  ours-only {len(o):3}  axe-only {len(x):3}")
        if args.verbose:
            for name, kind, sel in o:
                print(f"    ours {kind:6} {name}: {sel}")
            for name, kind, sel in x:
                print(f"    axe  {kind:6} {name}: {sel}")
    total = sum(agree.values())
    extra = sum(map(len, ours_only.values())) + sum(map(len, axe_only.values()))
    print(f"\n{len(files)} pages, {len(ids)} rules: {total} elements agree, {extra} disagree")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
