"""In-app notifications: what happened to my analyses, exports and webhooks."""

from __future__ import annotations

from django.db import models

from apps.core.models import OwnedQuerySet


class Kind(models.TextChoices):
    ANALYSIS_COMPLETED = "analysis_completed"
    ANALYSIS_FAILED = "analysis_failed"
    EXPORT_READY = "export_ready"
    WEBHOOK_DISABLED = "webhook_disabled"


class NotificationQuerySet(OwnedQuerySet):
    owner_field = "user"

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # What it is about, by id (analysis, export, webhook) and where to look (API paths).
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
