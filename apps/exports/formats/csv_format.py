"""`csv` (findings) and `csv-pages` (pages): RFC 4180 CSV, UTF-8 with a BOM so that
spreadsheet programs read the encoding right; one header row, one row per item."""

from __future__ import annotations

import csv
from operator import itemgetter
from typing import BinaryIO

from apps.analyses.outputs import Output
from apps.exports import data
from apps.exports.formats.text import text

FINDING_COLUMNS = ("id", "rule_id", "categories", "severity", "outcome", "page_url",
                   "selector", "snippet", "message", "help", "help_url", "tags")
PAGE_COLUMNS = ("id", "url", "final_url", "status_code", "depth", "title", "description",
                "canonical", "noindex", "content_type", "size_bytes", "total_bytes", "fetch_ms",
                "words", "language", "grade", "reading_ease", "score_seo",
                "score_accessibility", "score_content", "score_links", "score_weight", "error")


_finding_values = itemgetter(*FINDING_COLUMNS)
_LIST_COLUMNS = [FINDING_COLUMNS.index(name) for name in ("categories", "tags")]  # JSON lists


def _joined(value) -> str:
    return ";".join(value) if isinstance(value, list) else value


def write_findings(job, stream: BinaryIO) -> None:
    with text(stream) as out:
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(FINDING_COLUMNS)
        for row in data.finding_rows(job):
            values = list(_finding_values(row))
            for index in _LIST_COLUMNS:
                values[index] = _joined(values[index])
            writer.writerow(values)


def write_pages(job, stream: BinaryIO) -> None:
    with text(stream) as out:
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(PAGE_COLUMNS)
        for row in data.page_rows(job):
            content, scores = row["content"] or {}, row["scores"] or {}
            values = {**row, "total_bytes": (row["weight"] or {}).get("total_bytes"),
                      **{key: content.get(key) for key in ("words", "language", "grade",
                                                           "reading_ease")},
                      **{f"score_{key}": value for key, value in scores.items()}}
            writer.writerow(["" if values.get(column) is None else values.get(column)
                             for column in PAGE_COLUMNS])


FINDINGS = Output(name="csv", media_type="text/csv", extension="csv",
                  description="Findings, one row each.", write=write_findings)
PAGES = Output(name="csv-pages", media_type="text/csv", extension="pages.csv",
               description="Pages, one row each (metrics and scores).", write=write_pages)
