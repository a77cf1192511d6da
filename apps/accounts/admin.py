"""Users, plans, usage, API keys and credentials in admin.

No secret is ever shown: not a password (nor its hash), an API key's hash or a
credential's secret; they are no column, form field, read-only field or search field.
A user's page shows their plan and this month's usage from this app's own counters
(`apps.accounts.usage`), with a link to their analyses by URL name (accounts may not
import apps.jobs).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.accounts import services, usage
from apps.accounts.models import ApiKey, Credential, MonthlyUsage, Plan, User
from apps.core.admin import changelist_link


class PasswordSetForm(AdminPasswordChangeForm):
    """The admin's "set password" through the one password service, so it also
    blacklists the user's refresh tokens (a compromised account's attacker is out)."""

    def save(self, commit=True):
        return services.user_set_password(user=self.user,
                                          password=self.cleaned_data["password1"])


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    change_password_form = PasswordSetForm
    ordering = ["email"]
    list_display = ["email", "name", "plan", "is_staff", "is_active", "date_joined",
                    "last_login"]
    list_select_related = ["plan"]
    list_filter = ["is_active", "is_staff", "is_superuser", "plan", "groups"]
    search_fields = ["email", "name"]
    date_hierarchy = "date_joined"
    # No "password" field: its widget shows the hash's algorithm, salt and first
    # characters. `password_status` says whether one is set and links to the form
    # that sets a new one.
    fieldsets = (
        (None, {"fields": ("email", "name", "email_verified_at", "password_status", "plan",
                           "email_notifications")}),
        ("This month", {"fields": ("plan_limits", "usage_this_month", "analyses")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                    "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["email_verified_at", "password_status", "plan_limits", "usage_this_month",
                       "analyses", "last_login"]
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["deactivate_users"]

    @admin.display(description="Password")
    def password_status(self, user: User) -> str:
        # The form behind the link refuses whoever may not change the user.
        state = "set" if user.has_usable_password() else "not set (cannot sign in with one)"
        link = reverse("admin:auth_user_password_change", args=[user.pk])
        return format_html('{}; <a href="{}">set a new password</a>', state, link)

    @admin.display(description="Plan limits")
    def plan_limits(self, user: User) -> str:
        plan = user.get_plan()
        return (f"{plan.name}{'' if user.plan_id else ' (the default)'}: "
                f"{plan.analyses_per_month} analyses a month, {plan.max_pages_per_analysis} "
                f"pages each, {plan.max_concurrent_analyses} at once, "
                f"{plan.api_rate_per_minute} API requests a minute, exports kept "
                f"{plan.export_retention_days} days, {plan.webhook_endpoints} webhook endpoints")

    @admin.display(description="Usage this month")
    def usage_this_month(self, user: User) -> str:
        counted = usage.this_month(user)
        left = max(user.get_plan().analyses_per_month - counted.analyses, 0)
        return (f"{counted.analyses} analyses ({left} left), {counted.exports} exports; "
                f"resets {usage.next_reset():%Y-%m-%d %H:%M} UTC")

    @admin.display(description="Analyses")
    def analyses(self, user: User) -> str:
        return changelist_link("admin:jobs_job_changelist", "their analyses",
                               owner__id__exact=user.pk)

    @admin.action(description="Deactivate selected users: they cannot sign in or use the "
                              "API, and their API keys are revoked (never yourself)",
                  permissions=["change"])
    def deactivate_users(self, request, queryset):
        chosen = queryset.exclude(pk=request.user.pk)
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, "You cannot deactivate yourself; the others were.",
                              messages.WARNING)
        with transaction.atomic():
            # An inactive user's sessions, tokens and keys are refused already; the
            # keys are revoked too, so re-activating the user does not revive them.
            ApiKey.objects.filter(user__in=chosen, revoked_at__isnull=True) \
                .update(revoked_at=timezone.now())
            deactivated = chosen.filter(is_active=True).update(is_active=False)
        self.message_user(request, f"{deactivated} users deactivated.", messages.INFO)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "analyses_per_month", "max_pages_per_analysis",
                    "max_concurrent_analyses", "api_rate_per_minute", "export_retention_days",
                    "webhook_endpoints"]
    search_fields = ["name"]
    ordering = ["name"]


@admin.register(MonthlyUsage)
class MonthlyUsageAdmin(admin.ModelAdmin):
    """Counted as it happens; an operator may correct a month's numbers (give quota
    back), but rows are made only by the counting."""

    list_display = ["user", "month", "analyses", "exports"]
    list_select_related = ["user"]
    list_filter = ["month"]
    search_fields = ["user__email"]
    date_hierarchy = "month"
    fields = ["user", "month", "analyses", "exports"]
    readonly_fields = ["user", "month"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Never the key or its hash. Keys are made through the API or the account page,
    the only place their raw value is shown, once."""

    list_display = ["name", "prefix", "user", "rate_per_minute", "created_at", "last_used_at",
                    "revoked_at"]
    list_select_related = ["user"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__email"]
    fields = ["name", "prefix", "user", "rate_per_minute", "created_at", "last_used_at",
              "revoked_at"]
    readonly_fields = ["prefix", "user", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_keys"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke selected API keys", permissions=["change"])
    def revoke_keys(self, request, queryset):
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{revoked} API keys revoked.", messages.INFO)


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Never the secret: it is not a form field, a column or a search field here."""

    list_display = ["name", "kind", "origin", "owner", "inline", "created_at", "last_used_at"]
    list_select_related = ["owner"]
    list_filter = ["kind", "inline"]
    search_fields = ["name", "origin", "owner__email"]
    fields = ["owner", "name", "origin", "kind", "inline", "created_at", "last_used_at"]
    readonly_fields = ["owner", "origin", "kind", "inline", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False  # a secret is entered through the API, where it is validated
