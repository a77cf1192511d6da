"""Exports the analysis asked for (`options.exports`), made when it succeeds."""

from __future__ import annotations

import logging

from apps.core.errors import ServiceError
from apps.core.lifecycle import SUCCEEDED
from apps.exports import services

logger = logging.getLogger(__name__)


def on_transition(sender, *, job, transition, **kwargs) -> None:
    if transition != SUCCEEDED:
        return
    for format_name in (job.options or {}).get("exports") or ():
        try:
            services.export_create(user=job.owner, job=job, format=format_name)
        except ServiceError as exc:
            logger.warning("job %s: export %s not made: %s", job.pk, format_name, exc.message)
