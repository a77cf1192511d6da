"""Error pages: JSON in the one error shape under /api/, HTML elsewhere."""

from django.http import JsonResponse
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as html_server_error

from apps.core.api.errors import error_body


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
