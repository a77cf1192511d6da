"""The /api/v1/ router: every API path in one place. Trailing slashes are optional."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.accounts.api import views as accounts
from apps.core.api import system
from apps.jobs.api.views import AnalysisViewSet


class OptionalSlashRouter(SimpleRouter):
    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
router.register("analyses", AnalysisViewSet, basename="analysis")
router.register("auth/api-keys", accounts.ApiKeyViewSet, basename="api-key")

urlpatterns = [
    path("auth/register", accounts.RegisterView.as_view(), name="register"),
    path("auth/register/", accounts.RegisterView.as_view()),
    path("auth/token", accounts.TokenView.as_view(), name="token"),
    path("auth/token/", accounts.TokenView.as_view()),
    path("auth/token/refresh", accounts.TokenRefreshRotateView.as_view(), name="token-refresh"),
    path("auth/token/refresh/", accounts.TokenRefreshRotateView.as_view()),
    path("auth/logout", accounts.LogoutView.as_view(), name="logout"),
    path("auth/logout/", accounts.LogoutView.as_view()),
    path("auth/me", accounts.MeView.as_view(), name="me"),
    path("auth/me/", accounts.MeView.as_view()),
    path("health", system.HealthView.as_view(), name="health"),
    path("health/", system.HealthView.as_view()),
    *router.urls,
]
