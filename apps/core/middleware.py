"""Request guards that must answer before a view runs."""

from __future__ import annotations

from django.conf import settings

from apps.core.api.errors import error_body


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
