"""What the current unit of work is, for log lines and error bodies: the request's id
(X-Request-ID) and the analysis being worked on. Context variables, so each request,
task or async consumer sees its own."""

from __future__ import annotations

import contextvars
import re
import uuid
from contextlib import contextmanager

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id",
                                                                        default=None)
analysis_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("analysis_id",
                                                                         default=None)

# A caller's own id is kept when it is a sane token; anything else gets a fresh one
# (an id is echoed into headers and logs, so it must not carry newlines or markup).
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def accepted_request_id(offered: str | None) -> str:
    if offered and _ACCEPTABLE.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


@contextmanager
def bound(variable: contextvars.ContextVar, value):
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)
