"""`junit`: JUnit XML, the test report every CI system shows.

One <testsuite> per page (name: its URL), one <testcase> per rule per page (classname:
the page URL, name: the rule id): a violation is a <failure> (type: its severity; the
text lists each element and message), a rule that did not apply to the page is
<skipped>, a finding to review is written to <system-out> of a passing case. Pages
that are not 2xx HTML get the rules that judge such pages (status, redirects). Site
findings that belong to no crawled page form a last suite, "site". Streamed page by
page.
"""

from __future__ import annotations

from itertools import groupby
from typing import BinaryIO
from xml.sax.saxutils import escape, quoteattr

from apps.analyses.analyzers import SEVERITIES, all_rules
from apps.analyses.models import Finding
from apps.analyses.outputs import Output
from apps.exports import data
from apps.exports.formats.text import text
from apps.jobs.models import Page

MAX_LISTED = 50  # elements listed in one failure's text


def _opening(classname: str, name: str) -> str:
    """A test case's start tag, unclosed; both attributes already quoted (`quoteattr`)."""
    return f"<testcase classname={classname} name={name} time=\"0\""


def _case(opening: str, findings: list[dict], *, skipped: bool) -> str:
    if not findings and not skipped:  # most cases: a rule that passed on the page
        return opening + "/>"
    violations = [f for f in findings if f["outcome"] == "violation"]
    reviews = [f for f in findings if f["outcome"] != "violation"]
    if violations:
        worst = min((f["severity"] for f in violations), key=SEVERITIES.index)
        lines = [f"{f['selector'] or '(page)'}: {f['message']}" for f in violations[:MAX_LISTED]]
        if len(violations) > MAX_LISTED:
            lines.append(f"… and {len(violations) - MAX_LISTED} more")
        body = (f"<failure message={quoteattr(violations[0]['message'][:500])} "
                f"type={quoteattr(worst)}>{escape(chr(10).join(lines))}</failure>")
    elif skipped:
        body = '<skipped message="not applicable to this page"/>'
    else:
        body = ""
    if reviews:
        body += "<system-out>" + escape("To review:\n" + "\n".join(
            f"{f['selector'] or '(page)'}: {f['message']}" for f in reviews[:MAX_LISTED])) \
            + "</system-out>"
    return opening + (f">{body}</testcase>" if body else "/>")


def _suite(name: str, cases: list[str], failures: int, skipped: int) -> str:
    return (f"<testsuite name={quoteattr(name)} tests=\"{len(cases)}\" failures=\"{failures}\" "
            f"errors=\"0\" skipped=\"{skipped}\">" + "".join(cases) + "</testsuite>\n")


def write(job, stream: BinaryIO) -> None:
    rules = all_rules()
    # A page has a case per rule (2000 pages: 240 000 cases), so each URL and rule id is
    # quoted once, not once per case.
    names = {rule.id: quoteattr(rule.id) for rule in rules}
    totals = job.findings.filter(outcome="violation").values("page_id", "rule_id").distinct()
    pages = Page.objects.filter(job=job).order_by("id").values("id", "url", "status_code",
                                                               "content_type", "facts")
    findings = data.finding_values(Finding.objects.filter(job=job, page__isnull=False)
                                   .order_by("page_id", "id"))
    by_page = groupby(findings, key=lambda f: f["page_id"])
    pending = next(by_page, None)
    with text(stream) as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f"<testsuites name={quoteattr('Sitelens ' + job.url)} "
                  f"failures=\"{totals.count()}\">\n")
        for page in pages.iterator(chunk_size=data.CHUNK):
            mine: list[dict] = []
            while pending is not None and pending[0] <= page["id"]:
                if pending[0] == page["id"]:
                    mine = list(pending[1])
                else:
                    list(pending[1])
                pending = next(by_page, None)
            classname = quoteattr(page["url"])
            facts = page["facts"] or {}
            html = "content" in facts
            not_applicable = set(facts.get("not_applicable") or ())
            found: dict[str, list[dict]] = {}
            for finding in mine:
                found.setdefault(finding["rule_id"], []).append(finding)
            cases, failures, skipped = [], 0, 0
            for rule in rules:
                if rule.scope == "page" and rule.requires_document and not html:
                    continue
                skip = rule.id in not_applicable and rule.id not in found
                case = _case(_opening(classname, names[rule.id]), found.get(rule.id, []),
                             skipped=skip)
                failures += "<failure" in case
                skipped += skip
                cases.append(case)
            out.write(_suite(page["url"], cases, failures, skipped))
        orphans = list(Finding.objects.filter(job=job, page__isnull=True).order_by("id")
                       .values(*data.FINDING_FIELDS))
        if orphans:
            grouped: dict[str, list[dict]] = {}
            for finding in orphans:
                grouped.setdefault(finding["rule_id"], []).append(finding)
            cases = [_case(_opening(quoteattr("site"), quoteattr(rule_id)), items, skipped=False)
                     for rule_id, items in grouped.items()]
            out.write(_suite("site", cases, sum("<failure" in c for c in cases), 0))
        out.write("</testsuites>\n")


OUTPUT = Output(name="junit", media_type="application/xml", extension="junit.xml",
                description="JUnit XML: a test case per rule per page.", write=write)
