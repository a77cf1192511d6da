"""Renderers for the job endpoints that do not answer JSON."""

from __future__ import annotations

import json

from rest_framework.renderers import BaseRenderer


class PlainTextRenderer(BaseRenderer):
    """`?format=text`: log lines a person can read."""

    media_type = "text/plain"
    format = "text"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode(self.charset)
        return json.dumps(data).encode(self.charset)  # an error body, as JSON
