"""`pdf`: the HTML report printed by WeasyPrint (pure Python over Pango; no browser).

Nothing is fetched while printing: the report has no external resource, and the URL
fetcher refuses any that would appear.
"""

from __future__ import annotations

from typing import BinaryIO

from apps.analyses.outputs import Output
from apps.exports.formats import html


def _refuse(url: str, *args, **kwargs):
    raise ValueError(f"the report may not fetch {url}")


def write(job, stream: BinaryIO) -> None:
    # Imported here, not at module level: WeasyPrint and its font stack cost about
    # 23 MiB in every process that loads Django (web, worker), and only an export
    # build of a PDF uses it.
    import weasyprint

    document = weasyprint.HTML(string=html.render(job), url_fetcher=_refuse)
    document.write_pdf(target=stream)


OUTPUT = Output(name="pdf", media_type="application/pdf", extension="pdf",
                description="The HTML report as a PDF.", write=write)
