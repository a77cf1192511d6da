"""Renderers for the analysis endpoints that do not answer JSON."""

from __future__ import annotations

import json

from rest_framework.renderers import BaseRenderer


class MarkdownRenderer(BaseRenderer):
    """`text/markdown` (the site's content); errors still leave as JSON."""

    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode(self.charset)
        return json.dumps(data).encode(self.charset)
