"""One error shape for every API response: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core import context
from apps.core.errors import ServiceError

_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    """The one error shape; `request_id` (X-Request-ID) when answering a request."""
    body = {"code": code, "message": message, "details": details or {}}
    if (request_id := context.request_id.get()) is not None:
        body["request_id"] = request_id
    return {"error": body}


def _validation_message(detail) -> str:
    """A one-line summary of DRF validation details for humans."""
    if isinstance(detail, dict):
        for field, errors in detail.items():
            first = errors[0] if isinstance(errors, list) and errors else errors
            if isinstance(first, dict):
                return f"{field}: {_validation_message(first)}"
            prefix = "" if field == "non_field_errors" else f"{field}: "
            return f"{prefix}{first}"
    if isinstance(detail, list) and detail:
        return str(detail[0])
    return str(detail)


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        response = Response(error_body(exc.code, exc.message, exc.details),
                            status=exc.status_code)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("payload_too_large", "The request body is too large."),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 handler answers (see handler500)

    code = _CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        message = _validation_message(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        code, message, details = "malformed_request", str(exc.detail), {}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, dict):
            message = str(detail.get("detail", detail))
            code = str(detail.get("code", code)) if response.status_code != 401 else code
            details = {k: v for k, v in detail.items() if k not in {"detail", "code"}}
        else:
            message, details = str(detail), {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            details = {"retry_after": int(exc.wait)}
    response.data = error_body(code, message, details)
    return response


def json_error_view(status_code: int, code: str, message: str):
    def view(request, *args, **kwargs):
        return JsonResponse(error_body(code, message), status=status_code)

    return view


def error_response(status_code: int, code: str, message: str, details: dict | None = None):
    """A DRF Response in the one error shape, for views that answer an error directly."""
    return Response(error_body(code, message, details), status=status_code)
