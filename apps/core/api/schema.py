"""OpenAPI helpers: the one error shape, documented on every endpoint."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.DictField(),
            },
        )
    },
)

DESCRIPTIONS = {
    400: "Invalid input",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found (or not yours)",
    409: "Conflict with the current state",
    410: "Gone (expired or deleted)",
    413: "Request body too large",
    415: "Unsupported media type (send application/json)",
    429: "Too many requests or analyses (see Retry-After)",
    503: "Not ready (names the dependency that failed)",
}
# Answers any operation can give (throttling), and any with a body (size, media type);
# apps.core.api.openapi adds them everywhere, so views list only their own.
COMMON_ERRORS = (429,)
BODY_ERRORS = (413, 415)


def ERRORS(*codes: int) -> dict:
    return {code: OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code]) for code in codes}
