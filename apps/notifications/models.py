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


class WebhookEndpointQuerySet(OwnedQuerySet):
    pass


class WebhookEndpoint(models.Model):
    """Where a user's events are POSTed, signed (Standard Webhooks v1).

    The secret is stored encrypted (the credential keys) and shown once, on creation
    and on rotation; during a rotation the previous secret signs too, until it expires.
    """

    owner = models.ForeignKey("accounts.User", on_delete=models.CASCADE,
                              related_name="webhook_endpoints")
    url = models.URLField(max_length=2083, blank=True)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, blank=True)  # event types; [] = every event
    active = models.BooleanField(default=True)
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    # The owner's signer for jobs' one-off `webhook_url`s (url blank, never listed): its
    # secret signs them, and each delivery carries the job's URL.
    one_off = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["owner"], condition=models.Q(one_off=True),
                                               name="one_one_off_signer_per_owner")]

    def __str__(self) -> str:
        return f"webhook {self.pk} -> {self.url or 'one-off URLs'}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # every attempt failed, or the endpoint was disabled


class WebhookDeliveryQuerySet(OwnedQuerySet):
    owner_field = "endpoint__owner"


class WebhookDelivery(models.Model):
    """One message to one endpoint: a row before anything is sent, so nothing is lost.
    Every retry sends the same id and body."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE,
                                 related_name="deliveries")
    message_id = models.CharField(max_length=40, db_index=True)
    event_type = models.CharField(max_length=40)
    body = models.TextField()  # the exact JSON sent, the same on every attempt
    url = models.CharField(max_length=2083, blank=True)  # a job's webhook_url; blank: the endpoint's
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # While a sender holds it (an attempt under way, or a send queued by the sweep); the
    # value is also the holder's token.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id} -> endpoint {self.endpoint_id}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE,
                                 related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True)  # the first 2 KB of the answer
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
