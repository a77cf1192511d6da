"""The export formats: one module each, behind one interface (`apps.analyses.outputs.Output`:
a name, a media type, a file extension and `write(job, binary_file)`, which streams).

    json      the complete analysis, with schema_version (schema: /api/v1/schema/export.json)
    csv       findings, one row each
    csv-pages pages, one row each
    markdown  the site's main content, one section per page, after a short report summary
    html      a self-contained report (inline CSS and SVG charts; no external request)
    pdf       the HTML report, printed by WeasyPrint
    sarif     SARIF 2.1.0, for code-scanning tools
    junit     JUnit XML: one test case per rule per page, failures for violations
"""

from apps.analyses.outputs import Output
from apps.exports.formats import csv_format, html, json_format, junit, markdown, pdf, sarif

FORMATS: tuple[Output, ...] = (
    json_format.OUTPUT, csv_format.FINDINGS, csv_format.PAGES, markdown.OUTPUT, html.OUTPUT,
    pdf.OUTPUT, sarif.OUTPUT, junit.OUTPUT,
)
