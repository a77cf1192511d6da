"""Error pages: JSON in the one error shape under /api/, HTML elsewhere."""

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from apps.core.api.errors import error_body
from apps.core.metrics import exposition


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "No such API endpoint."), status=404)
    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("server_error", "Internal server error."), status=500)
    return html_server_error(request)


def bad_request(request, exception=None):
    """Also what a Host outside ALLOWED_HOSTS gets."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("bad_request", "Bad request (unknown host or "
                                                      "malformed request)."), status=400)
    return html_bad_request(request, exception)


def metrics(request):
    """Prometheus metrics: for loopback callers, or with `Authorization: Bearer
    METRICS_TOKEN` when it is set (then from anywhere, and only with it)."""
    if settings.METRICS_TOKEN:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(offered.encode(), settings.METRICS_TOKEN.encode()):
            return JsonResponse(error_body("not_authenticated", "Metrics need the metrics "
                                           "token as a bearer token."), status=401)
    elif request.META.get("REMOTE_ADDR") not in ("127.0.0.1", "::1"):
        return JsonResponse(error_body("permission_denied", "Metrics are served to loopback "
                                       "callers unless METRICS_TOKEN is set."), status=403)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_PLAIN_0_0_4)  # every Prometheus reads it
