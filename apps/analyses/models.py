from __future__ import annotations

from django.db import models

from apps.jobs.models import Job, Page


class Severity(models.TextChoices):
    """axe-core's impact scale, used for SEO findings too."""

    CRITICAL = "critical"
    SERIOUS = "serious"
    MODERATE = "moderate"
    MINOR = "minor"


class Finding(models.Model):
    """One problem a rule found, on one page (or site-wide, when page is empty)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="findings")
    page = models.ForeignKey(Page, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="findings")
    page_url = models.URLField(max_length=2083, blank=True)
    rule_id = models.CharField(max_length=80, db_index=True)
    category = models.CharField(max_length=30)
    severity = models.CharField(max_length=10, choices=Severity.choices, db_index=True)
    tags = models.JSONField(default=list, blank=True)
    selector = models.TextField(blank=True)
    snippet = models.TextField(blank=True)
    message = models.TextField()
    help = models.TextField(blank=True)
    help_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["job", "rule_id"]), models.Index(fields=["job", "severity"])]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.page_url}"
