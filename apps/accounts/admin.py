from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from apps.accounts.models import ApiKey, Credential, MonthlyUsage, Plan, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "plan", "is_staff", "is_active", "date_joined"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password", "plan")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "analyses_per_month", "max_pages_per_analysis",
                    "max_concurrent_analyses", "api_rate_per_minute", "export_retention_days",
                    "webhook_endpoints"]


@admin.register(MonthlyUsage)
class MonthlyUsageAdmin(admin.ModelAdmin):
    list_display = ["user", "month", "analyses", "exports"]
    list_filter = ["month"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "month"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    search_fields = ["name", "prefix", "user__email"]


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Never the secret: it is not a form field, a column or a search field here."""

    list_display = ["name", "kind", "origin", "owner", "inline", "created_at", "last_used_at"]
    list_filter = ["kind", "inline"]
    search_fields = ["name", "origin", "owner__email"]
    fields = ["owner", "name", "origin", "kind", "inline", "created_at", "last_used_at"]
    readonly_fields = ["owner", "origin", "kind", "inline", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False  # a secret is entered through the API, where it is validated
