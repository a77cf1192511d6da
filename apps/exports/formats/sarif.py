"""`sarif`: SARIF 2.1.0 (OASIS), the format code-scanning tools ingest.

One run; the tool's driver lists every Sitelens rule (id, title, help text and link,
default level from its severity, tags and categories as properties), so `ruleIndex`
is stable. Each finding is a result: `level` error (critical, serious), warning
(moderate) or note (minor); a finding to review has `kind: review` and level `none`,
as the spec requires for results that are not failures. Its location is the page
(`physicalLocation.artifactLocation.uri`) and the element (`logicalLocations`: the CSS
selector, kind `element`); pages have no line numbers, so no `region` is given. A
`partialFingerprints` entry (rule, page, selector) lets tools follow a result across
runs. Streamed: results are written as they are read.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from typing import BinaryIO

from apps.analyses.outputs import Output
from apps.exports import data
from apps.exports.formats.text import text

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"critical": "error", "serious": "error", "moderate": "warning", "minor": "note"}


def _version() -> str:
    try:
        return version("sitelens")
    except PackageNotFoundError:
        return "0"


# One encoder for every result: json.dumps with options builds a new one per call.
_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _rule(rule: dict) -> dict:
    return {
        "id": rule["id"], "name": rule["id"],
        "shortDescription": {"text": rule["title"]},
        "fullDescription": {"text": rule["help"] or rule["title"]},
        "help": {"text": rule["help"] or rule["title"]},
        **({"helpUri": rule["help_url"]} if rule["help_url"] else {}),
        "defaultConfiguration": {"level": LEVELS.get(rule["severity"], "warning")},
        "properties": {"tags": rule["tags"], "categories": rule["categories"],
                       "scope": rule["scope"], "severity": rule["severity"]},
    }


def result(finding: dict, index: dict[str, int]) -> dict:
    review = finding["outcome"] == "needs_review"
    location = {"physicalLocation": {"artifactLocation": {"uri": finding["page_url"]}}}
    if finding["selector"]:
        location["logicalLocations"] = [{"fullyQualifiedName": finding["selector"],
                                         "kind": "element"}]
    key = f"{finding['rule_id']}|{finding['page_url']}|{finding['selector'] or finding['message']}"
    out = {
        "ruleId": finding["rule_id"],
        "kind": "review" if review else "fail",
        "level": "none" if review else LEVELS.get(finding["severity"], "warning"),
        "message": {"text": finding["message"]},
        "locations": [location] if finding["page_url"] else [],
        "partialFingerprints": {"sitelens/v1": hashlib.sha256(key.encode()).hexdigest()},
        "properties": {"severity": finding["severity"], "snippet": finding["snippet"],
                       "categories": finding["categories"]},
    }
    if finding["rule_id"] in index:
        out["ruleIndex"] = index[finding["rule_id"]]
    return out


def write(job, stream: BinaryIO) -> None:
    rules = list(data.rules().values())
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    driver = {"name": "Sitelens", "version": _version(),
              "informationUri": "https://github.com/sitelens/sitelens",
              "rules": [_rule(rule) for rule in rules]}
    invocation = {"executionSuccessful": job.status == "succeeded"}
    if job.started_at:
        invocation["startTimeUtc"] = job.started_at.isoformat().replace("+00:00", "Z")
    if job.finished_at:
        invocation["endTimeUtc"] = job.finished_at.isoformat().replace("+00:00", "Z")
    with text(stream) as out:
        out.write('{"$schema":' + _dump(SCHEMA) + ',"version":"2.1.0","runs":[{')
        out.write('"tool":{"driver":' + _dump(driver) + "}")
        out.write(',"invocations":[' + _dump(invocation) + "]")
        out.write(',"originalUriBaseIds":{"SITE":{"uri":' + _dump(job.url) + "}}")
        out.write(',"results":[')
        for position, finding in enumerate(data.finding_rows(job)):
            out.write(("," if position else "") + _dump(result(finding, index)))
        out.write("]}]}\n")


OUTPUT = Output(name="sarif", media_type="application/sarif+json", extension="sarif",
                description="SARIF 2.1.0 for code-scanning tools.", write=write)
