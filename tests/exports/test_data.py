"""The row readers every format streams from, and the HTML report's pick of findings,
against what the ORM itself gives for the same rows."""

import pytest

from apps.analyses.models import Finding
from apps.exports import data
from apps.exports.formats.html import _findings
from tests.factories import FindingFactory, JobFactory, PageFactory

pytestmark = pytest.mark.django_db


def test_it_reads_findings_as_the_model_stores_them():
    job = JobFactory()
    page = PageFactory(job=job)
    FindingFactory(job=job, page=page, page_url=page.url, categories=["seo"], tags=[])
    FindingFactory(job=job, page=page, page_url=page.url, categories=["accessibility", "seo"],
                   tags=["wcag2a", "wcag111"], message="Ünïcödé — ✓, \"quoted\"\nline")
    FindingFactory(job=job, categories=["accessibility", "seo"], tags=["wcag2a", "wcag111"],
                   rule_id="dom-size", outcome="needs_review", page_url="")
    FindingFactory(job=job, categories=["links"], tags=["ünïcödé"], rule_id="link-name")
    FindingFactory(categories=["weight"])  # another analysis's
    expected = list(Finding.objects.filter(job=job).order_by("id").values(*data.FINDING_FIELDS))
    rows = list(data.finding_rows(job))
    assert rows == expected
    assert [list(row) for row in rows] == [list(row) for row in expected]  # key order too


def test_each_row_has_lists_of_its_own():
    job = JobFactory()
    FindingFactory.create_batch(2, job=job, categories=["seo"], tags=["wcag2a"])
    first, second = data.finding_rows(job)
    first["categories"].append("changed")
    first["tags"].clear()
    assert (second["categories"], second["tags"]) == (["seo"], ["wcag2a"])


def test_the_html_report_lists_violations_most_severe_first_then_reviews_up_to_its_cap():
    job = JobFactory()
    made = [FindingFactory(job=job, severity=severity, outcome=outcome, rule_id=f"rule-{i}")
            for i, (severity, outcome) in enumerate([
                ("minor", "violation"), ("critical", "needs_review"), ("serious", "violation"),
                ("critical", "violation"), ("minor", "violation"), ("moderate", "needs_review"),
                ("critical", "violation")])]
    picked = [row["rule_id"] for row in _findings(job, cap=5)]
    by_rank = sorted(made, key=lambda f: (f.outcome != "violation",
                                          ["critical", "serious", "moderate", "minor"]
                                          .index(f.severity), f.pk))
    assert picked == [f.rule_id for f in by_rank][:5]
    assert picked == ["rule-3", "rule-6", "rule-2", "rule-0", "rule-4"]
