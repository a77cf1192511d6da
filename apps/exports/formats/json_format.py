"""`json`: the complete analysis in one document, streamed.

    {"schema_version": "1.1", "generated_at": ..., "analysis": {...job, counts, scores,
     content, personas...}, "rules": {...}, "pages": [...], "findings": [...]}

Pages and findings are written one at a time as they are read, so memory stays flat.
The JSON Schema is apps/exports/schema/export.schema.json, served at
/api/v1/schema/export.json.
"""

from __future__ import annotations

import json
from typing import BinaryIO

from apps.analyses.outputs import Output
from apps.exports import data
from apps.exports.formats.text import text

# One encoder for every row: json.dumps with options builds a new one per call.
_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


def write(job, stream: BinaryIO) -> None:
    with text(stream) as out:
        out.write('{"schema_version":' + _dump(data.SCHEMA_VERSION))
        out.write(',"generated_at":' + _dump(data.now_iso()))
        out.write(',"analysis":' + _dump(data.analysis(job)))
        out.write(',"rules":' + _dump(data.rules()))
        for name, rows in (("pages", data.page_rows(job)), ("findings", data.finding_rows(job))):
            out.write(f',"{name}":[')
            for index, row in enumerate(rows):
                out.write(("," if index else "") + _dump(row))
            out.write("]")
        out.write("}\n")


OUTPUT = Output(name="json", media_type="application/json", extension="json",
                description="The complete analysis (job, pages, findings, scores, personas).",
                write=write)
