from django.contrib import admin

from apps.notifications.models import Notification, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "user", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__email"]
    readonly_fields = ["user", "kind", "title", "body", "data", "created_at"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Never the secret: it is not a form field, a column or a search field here."""

    list_display = ["url", "owner", "active", "one_off", "failing_since", "created_at"]
    list_filter = ["active", "one_off"]
    search_fields = ["url", "owner__email"]
    fields = ["owner", "url", "description", "events", "active", "disabled_reason",
              "failing_since", "previous_secret_expires_at", "created_at"]
    readonly_fields = ["owner", "url", "failing_since", "previous_secret_expires_at",
                       "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # an endpoint is registered through the API, which makes its secret

    def save_model(self, request, obj, form, change) -> None:
        if obj.active and "active" in form.changed_data:  # re-activated: a fresh start
            obj.disabled_reason, obj.failing_since = "", None
        super().save_model(request, obj, form, change)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "at", "status_code", "latency_ms", "response_excerpt", "error"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["message_id", "event_type", "endpoint", "status", "attempts",
                    "next_attempt_at", "created_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["message_id", "endpoint__url"]
    readonly_fields = ["endpoint", "message_id", "event_type", "body", "attempts",
                       "last_status_code", "created_at", "delivered_at"]
    inlines = [AttemptInline]
