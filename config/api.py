"""The /api/v1/ router: every API path in one place. Trailing slashes are optional."""

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from apps.accounts.api import views as accounts
from apps.analyses.api import compat
from apps.analyses.api.views import AnalysisViewSet
from apps.core.api import system
from apps.exports.api import views as exports
from apps.jobs.api.views import UsageView
from apps.notifications.api import views as notifications
from apps.notifications.api import webhooks as webhook_views


class OptionalSlashRouter(SimpleRouter):
    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
router.register("analyses", AnalysisViewSet, basename="analysis")
router.register("auth/api-keys", accounts.ApiKeyViewSet, basename="api-key")
router.register("credentials", accounts.CredentialViewSet, basename="credential")
router.register("exports", exports.ExportViewSet, basename="export")
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("webhooks", webhook_views.WebhookViewSet, basename="webhook")


def slash_optional(route: str, view, name: str):
    """`route` and `route/` both resolve, as the API promises for every path."""
    return re_path(rf"^{route}/?$", view, name=name)


urlpatterns = [
    slash_optional("auth/register", accounts.RegisterView.as_view(), "register"),
    slash_optional("auth/token", accounts.TokenView.as_view(), "token"),
    slash_optional("auth/token/refresh", accounts.TokenRefreshRotateView.as_view(), "token-refresh"),
    slash_optional("auth/logout", accounts.LogoutView.as_view(), "logout"),
    slash_optional("auth/me", accounts.MeView.as_view(), "me"),
    slash_optional("auth/password/reset", accounts.PasswordResetView.as_view(),
                   "auth-password-reset"),
    slash_optional("auth/password/reset/confirm", accounts.PasswordResetConfirmView.as_view(),
                   "auth-password-reset-confirm"),
    slash_optional("auth/password/change", accounts.PasswordChangeView.as_view(),
                   "auth-password-change"),
    slash_optional("auth/verify-email", accounts.VerifyEmailView.as_view(), "auth-verify-email"),
    slash_optional("auth/verify-email/resend", accounts.VerifyEmailResendView.as_view(),
                   "auth-verify-email-resend"),
    slash_optional("health", system.HealthView.as_view(), "health"),
    slash_optional("system/ping", system.PingView.as_view(), "system-ping"),
    slash_optional("system/health", system.HealthView.as_view(), "system-health"),
    slash_optional("system/ready", system.ReadyView.as_view(), "system-ready"),
    slash_optional("system/version", system.VersionView.as_view(), "system-version"),
    slash_optional("system/stats", system.StatsView.as_view(), "system-stats"),
    slash_optional("usage", UsageView.as_view(), "usage"),
    # The original persona service's endpoints (apps.analyses.api.compat).
    slash_optional("analyze/single", compat.SingleView.as_view(), "compat-single"),
    slash_optional("analyze/focus-group", compat.FocusGroupView.as_view(), "compat-focus-group"),
    slash_optional(r"analysis/(?P<task_id>[0-9a-fA-F-]{36})", compat.TaskView.as_view(),
                   "compat-task"),
    slash_optional(r"analyses/(?P<pk>[0-9a-fA-F-]{36})/exports",
                   exports.AnalysisExportsView.as_view(), "analysis-exports"),
    slash_optional(r"exports/download/(?P<token>[^/]+)", exports.SignedDownloadView.as_view(),
                   "export-signed-download"),
    re_path(r"^schema/export\.json$", exports.export_schema, name="export-schema"),
    *router.urls,
]
