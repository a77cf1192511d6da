"""Exports: an analysis (or several, zipped) written in one format, as a stored file."""

from __future__ import annotations

import uuid

from django.db import models

from apps.core.models import OwnedQuerySet
from apps.jobs.models import Job


class ExportStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"


class ExportQuerySet(OwnedQuerySet):
    pass


class Export(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="exports")
    # One analysis, or (batch) several: `analyses` lists them all, `job` is the first.
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.CASCADE,
                            related_name="exports")
    analyses = models.JSONField(default=list)  # analysis ids (str), in the order asked
    batch = models.BooleanField(default=False)
    format = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=ExportStatus.choices,
                              default=ExportStatus.QUEUED, db_index=True)
    converted_from = models.ForeignKey("self", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="conversions")
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True, max_length=300)
    filename = models.CharField(max_length=200, blank=True)  # offered to the downloader
    media_type = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)

    objects = ExportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.format} export {self.pk}"
