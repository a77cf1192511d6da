"""Making notifications, and the e-mail that goes with some of them.

Receivers of the lifecycle hooks (apps.core.lifecycle) call these; nothing in the
pipeline names this app. E-mail is sent by a django-q task after commit, through
Django's e-mail backend (console by default, SMTP by settings), as plain text with an
HTML alternative, to users who keep `email_notifications` on (the default).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_q.tasks import async_task

from apps.accounts.models import User
from apps.jobs.models import EventType, Job, JobEvent, Status
from apps.notifications.models import Kind, Notification

logger = logging.getLogger(__name__)
EMAILED = frozenset({Kind.ANALYSIS_COMPLETED, Kind.ANALYSIS_FAILED})


def notify(user: User, kind: str, title: str, body: str = "", data: dict | None = None
           ) -> Notification:
    notification = Notification.objects.create(user=user, kind=kind, title=title[:200],
                                               body=body, data=data or {})
    if kind in EMAILED and user.email_notifications and user.email:
        notification_id = notification.pk
        transaction.on_commit(lambda: async_task("apps.notifications.services.send_email",
                                                 notification_id,
                                                 task_name=f"email-{notification_id}"))
    return notification


def _final_event(job: Job) -> dict:
    event = (JobEvent.objects.filter(job=job, type__in=[EventType.COMPLETED, EventType.FAILED])
             .order_by("-id").first())
    return event.data if event is not None else {}


def job_ended(job: Job) -> Notification | None:
    """The notification of an analysis that succeeded or failed."""
    summary = _final_event(job)
    link = {"analysis": str(job.pk), "api": f"/api/v1/analyses/{job.pk}",
            "page": f"/analyses/{job.pk}"}
    if job.status == Status.SUCCEEDED:
        counts = summary.get("findings") or {}
        found = ", ".join(f"{n} {severity.replace('_', ' ')}" for severity, n in counts.items()
                          if n) or "no findings"
        scores = summary.get("scores") or {}
        scored = ", ".join(f"{category} {score}" for category, score in scores.items()
                           if score is not None)
        body = f"{job.pages_done} pages analysed: {found}." + (f" Scores: {scored}."
                                                                  if scored else "")
        if summary.get("personas"):
            body += " Persona overall: " + ", ".join(map(str, summary["personas"])) + "."
        return notify(job.owner, Kind.ANALYSIS_COMPLETED, f"Analysis of {job.url} completed",
                      body, {**link, "scores": scores, "findings": counts})
    if job.status == Status.FAILED:
        reason = job.error or job.error_code or "unknown reason"
        return notify(job.owner, Kind.ANALYSIS_FAILED, f"Analysis of {job.url} failed",
                      f"It stopped after {job.pages_done} pages: {reason}",
                      {**link, "error": job.error_code})
    return None


def export_ready(export) -> Notification:
    return notify(export.owner, Kind.EXPORT_READY,
                  f"Your {export.format} export is ready",
                  f"{export.filename} ({export.size:,} bytes) can be downloaded until "
                  f"{export.expires_at:%Y-%m-%d %H:%M} UTC.",
                  {"export": str(export.pk), "analysis": str(export.job_id or ""),
                   "format": export.format, "api": f"/api/v1/exports/{export.pk}",
                   "download": f"/api/v1/exports/{export.pk}/download"})


def webhook_disabled(user: User, *, endpoint_id, url: str, reason: str) -> Notification:
    return notify(user, Kind.WEBHOOK_DISABLED, "A webhook endpoint was disabled",
                  f"Deliveries to {url} stopped: {reason}. Fix the receiver and enable the "
                  "endpoint again.", {"webhook": str(endpoint_id), "url": url})


def send_email(notification_id: int) -> bool:
    """The task: send a notification's e-mail (plain text + HTML). False when skipped."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email_notifications:
        return False
    context = {"notification": notification, "user": notification.user,
               "base_url": settings.SITELENS_BASE_URL.rstrip("/"),
               "year": timezone.now().year}
    message = EmailMultiAlternatives(
        subject=f"Sitelens: {notification.title}",
        body=render_to_string("notifications/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[notification.user.email])
    message.attach_alternative(render_to_string("notifications/email.html", context),
                               "text/html")
    message.send()
    return True


def mark_read(user: User, *, ids: list[int] | None = None, everything: bool = False) -> int:
    mine = Notification.objects.owned_by(user).unread()
    if not everything:
        mine = mine.filter(pk__in=ids or [])
    return mine.update(read_at=timezone.now())
