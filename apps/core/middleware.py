"""Request guards that must answer before a view runs."""

from __future__ import annotations

from django.conf import settings

from apps.core import context
from apps.core.api.errors import error_body


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
