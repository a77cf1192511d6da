"""Renderers for the analysis endpoints that do not answer JSON."""

from __future__ import annotations

from apps.jobs.api.renderers import PlainTextRenderer


class MarkdownRenderer(PlainTextRenderer):
    """`text/markdown` (the site's content); errors still leave as JSON."""

    media_type = "text/markdown"
    format = "md"
