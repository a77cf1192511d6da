"""`(html, url) -> str` adapter for the current Sitelens extractor, for evaluate.py.

    --extractor benchmarks.extraction.sitelens_adapter:main_text

Parses the page as the crawler does (`HtmlDocument.parse`, html5-parser) and returns the plain
text of `apps.analyses.content.extract.extract_main`. No Django set-up is needed.
"""

from __future__ import annotations

from apps.analyses.content.extract import extract_main
from apps.web.document import HtmlDocument


def main_text(html: str, url: str) -> str:
    return extract_main(HtmlDocument.parse(html, url)).text
