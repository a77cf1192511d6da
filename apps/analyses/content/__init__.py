"""A page's main content and what it says about the page: the Markdown a reader (or a
documentation scraper) wants, and the measures a content audit needs.

`extract_main(document)` returns the page's main content as Markdown and plain text
(boilerplate removed); `measure(content, declared_lang)` returns word count,
language, readability and a simhash fingerprint. Plain Python, no Django: the
pipeline calls both once per page, on the tree the crawler parsed.
"""

from apps.analyses.content.extract import MainContent, extract_main
from apps.analyses.content.metrics import (
    THIN_CONTENT_WORDS,
    ContentMetrics,
    hamming_similarity,
    measure,
    measure_page,
)

__all__ = ["THIN_CONTENT_WORDS", "ContentMetrics", "MainContent", "extract_main",
           "hamming_similarity", "measure", "measure_page"]
