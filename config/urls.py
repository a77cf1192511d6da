from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from apps.core import views as core_views
from apps.core.api import system
from apps.core.api.errors import json_error_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/schema", SpectacularAPIView.as_view()),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("healthz", system.PingView.as_view(), name="healthz"),
    path("readyz", system.ReadyView.as_view(), name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("api/v1/system/metrics", core_views.metrics, name="system-metrics"),
    path("api/v1/", include("config.api")),
    path("api/", json_error_view(404, "not_found", "No such API endpoint.")),
    path("", include("apps.analyses.urls")),
    path("", include("apps.notifications.urls")),
    path("", include("apps.exports.panel")),
    path("", include("apps.exports.urls")),
    path("accounts/", include("apps.accounts.urls")),
]

handler400 = "apps.core.views.bad_request"
handler404 = "apps.core.views.not_found"
handler500 = "apps.core.views.server_error"
