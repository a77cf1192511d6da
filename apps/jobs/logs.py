"""A job's log: the human-readable lines of its event log.

Log events are lines as they are; status changes and the final outcome are
rendered as lines too; per-page events (page, finding, progress) are left to the
event stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from apps.jobs.models import EventType, JobEvent

LINE_TYPES = (EventType.LOG, EventType.STATUS, EventType.COMPLETED, EventType.FAILED)


@dataclass(frozen=True)
class LogLine:
    id: int
    created_at: datetime
    level: str
    message: str

    def as_text(self) -> str:
        stamp = self.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        return f"{stamp} {self.level.upper():7} {self.message}"


def log_line(event: JobEvent) -> LogLine:
    data = event.data
    if event.type == EventType.LOG:
        level, message = data.get("level", "info"), str(data.get("message", ""))
    elif event.type == EventType.STATUS:
        stage = data.get("stage")
        attempt = f", attempt {data['attempt']}" if data.get("attempt") else ""
        level = "info"
        message = f"Status: {data.get('status')}" + (f" ({stage}{attempt})" if stage else "")
    elif event.type == EventType.COMPLETED:
        level = "info"
        message = f"Completed: {data.get('pages_done', 0)} pages."
    else:
        level = "error"
        message = f"Failed ({data.get('error_code')}): {data.get('error')}"
    return LogLine(id=event.id, created_at=event.created_at, level=level, message=message)


def job_log(job_id, *, after: int = 0, limit: int = 1000) -> list[LogLine]:
    rows = (JobEvent.objects.filter(job_id=job_id, id__gt=after, type__in=LINE_TYPES)
            .order_by("id")[:limit])
    return [log_line(event) for event in rows]
