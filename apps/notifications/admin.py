"""Notifications and webhooks in admin.

Notifications, deliveries and attempts are records (view-only). Endpoints can be
disabled (as an endpoint that keeps failing is: `webhooks.endpoint_disable`, which also fails
its pending deliveries and tells its owner) and re-activated (which clears the
failure); deliveries can be sent again (`webhooks.redeliver`, refused per row while
one is being sent or its endpoint is disabled). Never a secret: endpoints' secrets
are no column, form field, read-only field or search field.
"""

from __future__ import annotations

from django.contrib import admin, messages

from apps.core.admin import ViewOnlyAdmin, ViewOnlyTabularInline
from apps.core.errors import ServiceError
from apps.notifications import webhooks
from apps.notifications.models import Notification, WebhookAttempt, WebhookDelivery, WebhookEndpoint

DISABLED_BY_ADMIN = "an administrator disabled it"


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdmin):
    list_display = ["title", "kind", "user", "created_at", "read_at"]
    list_select_related = ["user"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "user__email"]
    date_hierarchy = "created_at"


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Never the secret: it is not a form field, a column or a search field here."""

    list_display = ["url", "owner", "active", "one_off", "disabled_reason", "failing_since",
                    "created_at"]
    list_select_related = ["owner"]
    list_filter = ["active", "one_off"]
    search_fields = ["url", "owner__email", "description"]
    fields = ["owner", "url", "description", "events", "active", "disabled_reason",
              "failing_since", "previous_secret_expires_at", "created_at"]
    readonly_fields = ["owner", "url", "failing_since", "previous_secret_expires_at",
                       "created_at"]
    actions = ["disable_endpoints"]

    def has_add_permission(self, request) -> bool:
        return False  # an endpoint is registered through the API, which makes its secret

    def save_model(self, request, obj, form, change) -> None:
        if obj.active and "active" in form.changed_data:  # re-activated: a fresh start
            obj.disabled_reason, obj.failing_since = "", None
        super().save_model(request, obj, form, change)

    @admin.action(description="Disable selected endpoints (their pending deliveries fail; "
                              "their owners are notified)",
                  permissions=["change"])
    def disable_endpoints(self, request, queryset):
        disabled = 0
        for endpoint in queryset.filter(active=True).select_related("owner"):
            webhooks.endpoint_disable(endpoint, DISABLED_BY_ADMIN)
            disabled += 1
        self.message_user(request, f"{disabled} endpoints disabled.", messages.INFO)


class AttemptInline(ViewOnlyTabularInline):
    model = WebhookAttempt  # at most len(RETRY_DELAYS) + 1 per delivery, and redeliveries
    fields = ["number", "at", "status_code", "latency_ms", "response_excerpt", "error"]
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ViewOnlyAdmin):
    list_display = ["message_id", "event_type", "endpoint", "status", "attempts",
                    "last_status_code", "next_attempt_at", "created_at"]
    list_select_related = ["endpoint"]
    list_filter = ["status", "event_type"]
    search_fields = ["message_id", "endpoint__url", "url"]
    inlines = [AttemptInline]
    actions = ["redeliver_deliveries"]

    def has_redeliver_permission(self, request) -> bool:
        # Deliveries are view-only (has_change_permission is False), so the action asks
        # for the change permission itself.
        return request.user.has_perm("notifications.change_webhookdelivery")

    @admin.action(description="Send selected deliveries again (same id and body)",
                  permissions=["redeliver"])
    def redeliver_deliveries(self, request, queryset):
        sent = 0
        for delivery in queryset.select_related("endpoint"):
            try:
                webhooks.redeliver(delivery)
                sent += 1
            except ServiceError as exc:  # being sent right now, or its endpoint is disabled
                self.message_user(request, f"{delivery.message_id}: {exc.message}",
                                  messages.WARNING)
        self.message_user(request, f"{sent} deliveries queued to be sent again.", messages.INFO)


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ViewOnlyAdmin):
    list_display = ["delivery", "number", "at", "status_code", "latency_ms", "error"]
    list_select_related = ["delivery"]
    search_fields = ["delivery__message_id"]
    show_full_result_count = False
