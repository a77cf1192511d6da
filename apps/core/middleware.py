"""Request guards that must answer before a view runs."""

from __future__ import annotations

import time

from django.conf import settings
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware

from apps.core import context
from apps.core.api.errors import error_body
from apps.core.metrics import HTTP_LATENCY, HTTP_REQUESTS


class RequestIDMiddleware:
    """Honour the caller's X-Request-ID (a sane token) or make one; it is returned in
    the response, put in every log line written meanwhile and in error bodies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = context.accepted_request_id(request.headers.get("X-Request-ID"))
        # Not reset on the way out: Django logs the response's status after the
        # middleware returns, and that line must carry the id too. Each ASGI request
        # runs in a context of its own, so nothing leaks into the next one.
        context.request_id.set(request.id)
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class BodySizeLimitMiddleware:
    """Refuse oversized API bodies with 413 in the one error shape.

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when `request.body` is read, and
    DRF's parsers read the stream instead, so the limit is enforced here up front.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                from django.http import JsonResponse

                return JsonResponse(
                    error_body(
                        "payload_too_large",
                        f"The request body is larger than {limit} bytes.",
                        {"limit": limit},
                    ),
                    status=413,
                )
        return self.get_response(request)


# Pages use only their own scripts, styles and images; the WebSocket and the event
# stream are same-origin ('self' covers ws:/wss: to this host).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")
# Django admin, Swagger UI and ReDoc set inline styles (and ReDoc searches in a worker).
CSP_TOOLS = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + \
    "; worker-src 'self' blob:"
TOOL_PREFIXES = ("/admin/", "/api/docs/", "/api/redoc/")
# An HTML export opened in the browser: its own inline styles and images, no script,
# no way to reach anything, in a sandbox.
CSP_DOCUMENT = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every HTML answer (pages satisfy it: the browser
    test watches for violations)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" in response or \
                not response.get("Content-Type", "").startswith("text/html"):
            return response
        if "attachment" in response.get("Content-Disposition", "") or \
                request.path.startswith("/api/v1/exports/"):
            response["Content-Security-Policy"] = CSP_DOCUMENT
        elif request.path.startswith(TOOL_PREFIXES):
            response["Content-Security-Policy"] = CSP_TOOLS
        else:
            response["Content-Security-Policy"] = CSP
        return response


class GZipMiddleware(DjangoGZipMiddleware):
    """Django's (with its BREACH mitigation) for API answers and pages, never for a
    stream: the live event stream must reach the browser event by event, and export
    downloads stream files that are compressed already or large."""

    def process_response(self, request, response):
        if response.streaming:
            return response
        return super().process_response(request, response)


class MetricsMiddleware:
    """Counts and times every answer by route template (bounded: never the raw path)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.route if match is not None else "") or "unmatched"
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response
