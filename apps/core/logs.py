"""Log lines as JSON (SITELENS_LOG_FORMAT=json, the default) or plain text (`plain`), each
with the request id and the analysis id when there is one.

Secrets never reach a log line by construction (no code logs a password, token, key or
secret), and `ContextFilter` also masks anything that looks like a credential in a
message that slipped through (an `Authorization:` value, `password=…`, an API key or a
webhook secret)."""

from __future__ import annotations

import logging
import re

from apps.core import context

_SECRETS = [
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(bearer|api-key|basic)?\s*[^\s\"',}]+"),
     r"\1\2 [redacted]"),
    (re.compile(r"(?i)((?:password|secret|token|api_key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}&]+"),
     r"\1[redacted]"),
    (re.compile(r"\b(whsec_|sl_)[A-Za-z0-9+/=_-]{8,}"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    """Adds `request_id` and `analysis_id` to every record; masks credentials."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.request_id.get()
        record.analysis_id = context.analysis_id.get()
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
