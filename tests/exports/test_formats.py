"""Every export format opens in the tool its users would use: JSON against its published
schema, SARIF against the SARIF 2.1.0 schema, JUnit through junitparser, CSV through the
csv module, the PDF through pypdf, the HTML with nothing to fetch."""

import csv
import hashlib
import io
import json
from pathlib import Path

import jsonschema
import pypdf
import pytest
from junitparser import Failure, JUnitXml, Skipped
from lxml import html as lxml_html

from apps.analyses.models import Finding, PersonaReview
from apps.jobs.models import Page
from tests.analyses.personas.test_shop_review import NOVICE, analyse
from tests.exports.support import download, make_export
from tests.support.shop import GOAL_PAGE

pytestmark = pytest.mark.django_db
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture
def job(api, shop, django_capture_on_commit_callbacks):
    job = analyse(api, shop, django_capture_on_commit_callbacks, kind="focus_group",
                  persona=NOVICE, num_variations=3)
    # A finding whose text has every CSV hazard: commas, quotes, newlines, UTF-8.
    Finding.objects.filter(pk=Finding.objects.filter(job=job).first().pk).update(
        message='Comma, "quote", new\nline, and ünïcödé — ✓', snippet='<a title="x,y">')
    return job


def test_json_validates_against_its_published_schema_and_is_complete(
        api, job, django_capture_on_commit_callbacks):
    export = make_export(api, django_capture_on_commit_callbacks, job, "json")
    body = download(api, export)
    assert hashlib.sha256(body).hexdigest() == export["sha256"] and len(body) == export["size"]
    document = json.loads(body)
    schema = api.get("/api/v1/schema/export.json").json()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert document["schema_version"] == "1.1"
    assert len(document["pages"]) == Page.objects.filter(job=job).count()
    assert len(document["findings"]) == Finding.objects.filter(job=job).count()
    assert [r["member"] for r in document["analysis"]["personas"]] == [0, 1, 2]
    assert document["analysis"]["scores"] == api.get(f"/api/v1/analyses/{job.pk}").json()["scores"]
    assert document["analysis"]["focus_group"]["members"] == 3


def test_csv_findings_round_trip_through_the_csv_module(api, job,
                                                        django_capture_on_commit_callbacks):
    export = make_export(api, django_capture_on_commit_callbacks, job, "csv")
    text = download(api, export).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    findings = list(Finding.objects.filter(job=job).order_by("id"))
    assert len(rows) == len(findings)
    for row, finding in zip(rows, findings, strict=True):
        assert (row["rule_id"], row["message"], row["snippet"], row["page_url"]) == \
            (finding.rule_id, finding.message, finding.snippet, finding.page_url)
        assert row["categories"].split(";") == finding.categories
    assert any("new\nline" in row["message"] and "ünïcödé" in row["message"] for row in rows)


def test_csv_pages_has_one_row_per_page_with_scores(api, job, django_capture_on_commit_callbacks):
    export = make_export(api, django_capture_on_commit_callbacks, job, "csv-pages")
    rows = list(csv.DictReader(io.StringIO(download(api, export).decode("utf-8-sig"),
                                           newline="")))
    assert len(rows) == Page.objects.filter(job=job).count()
    plans = next(row for row in rows if row["url"].endswith(GOAL_PAGE))
    page = Page.objects.get(job=job, url__endswith=GOAL_PAGE)
    assert int(plans["score_accessibility"]) == page.facts["scores"]["accessibility"]
    assert int(plans["words"]) == page.facts["content"]["words"]


def test_sarif_validates_against_the_sarif_2_1_0_schema(api, job,
                                                        django_capture_on_commit_callbacks):
    export = make_export(api, django_capture_on_commit_callbacks, job, "sarif")
    log = json.loads(download(api, export))
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(log, schema, cls=jsonschema.Draft202012Validator)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) == Finding.objects.filter(job=job).count()
    label = next(r for r in run["results"] if r["ruleId"] == "label")
    assert rules[label["ruleIndex"]]["id"] == "label" and rules[label["ruleIndex"]]["helpUri"]
    assert label["level"] == "error" and label["kind"] == "fail"
    location = label["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith(GOAL_PAGE)
    assert location["logicalLocations"][0]["kind"] == "element"


def test_junit_parses_with_a_failure_per_violated_rule_per_page(
        api, job, django_capture_on_commit_callbacks, tmp_path):
    export = make_export(api, django_capture_on_commit_callbacks, job, "junit")
    path = tmp_path / "report.xml"
    path.write_bytes(download(api, export))
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert len(suites) == Page.objects.filter(job=job).count()
    plans = next(suite for name, suite in suites.items() if name.endswith(GOAL_PAGE))
    cases = {case.name: case for case in plans}
    assert any(isinstance(r, Failure) for r in cases["label"].result)
    assert any(isinstance(r, Skipped) for r in cases["video-caption"].result)  # no <video>
    failed = {(suite.name, case.name) for suite in xml for case in suite
              if any(isinstance(r, Failure) for r in case.result)}
    expected = {(f.page_url, f.rule_id) for f in Finding.objects.filter(
        job=job, outcome="violation", page__isnull=False)}
    assert failed == expected


def test_the_pdf_is_a_real_pdf_with_the_report_title(api, job,
                                                     django_capture_on_commit_callbacks):
    export = make_export(api, django_capture_on_commit_callbacks, job, "pdf")
    reader = pypdf.PdfReader(io.BytesIO(download(api, export)))
    assert len(reader.pages) >= 2
    first = reader.pages[0].extract_text()
    assert "Sitelens report" in first and job.url.split("//")[1].rstrip("/") in first


def test_the_html_report_is_self_contained(api, job, django_capture_on_commit_callbacks):
    export = make_export(api, django_capture_on_commit_callbacks, job, "html")
    document = lxml_html.fromstring(download(api, export))
    # Nothing a browser would fetch: no script, stylesheet, image, frame, font or CSS url().
    assert not document.xpath("//script | //link | //img | //iframe | //object | //embed "
                              "| //video | //audio | //source")
    assert "url(" not in "".join(document.xpath("//style/text()"))
    assert not [el for el in document.iter() if el.get("style") and "url(" in el.get("style")]
    assert len(document.xpath("//svg")) == 6  # five gauges and the chart
    assert document.xpath("//title")[0].text == f"Sitelens report: {job.url}"
    reviews = PersonaReview.objects.filter(job=job).count()
    assert len(document.xpath("//section[@class='card']")) == reviews


def test_markdown_is_the_report_summary_then_every_page_in_crawl_order(
        api, job, django_capture_on_commit_callbacks):
    export = make_export(api, django_capture_on_commit_callbacks, job, "markdown")
    text = download(api, export).decode()
    assert text.startswith(f"# Sitelens report: {job.url}\n")
    assert "| accessibility |" in text and "Persona 0 (" in text
    sources = [line[len("Source: <"):-1] for line in text.splitlines()
               if line.startswith("Source: <")]
    assert sources == [p.url for p in Page.objects.filter(job=job).order_by("id")]
