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

_DESCRIPTIONS = {
    400: "Invalid input",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found (or not yours)",
    409: "Conflict with the current state",
    413: "Request body too large",
    429: "Too many requests or analyses (see Retry-After)",
}


def ERRORS(*codes: int) -> dict:
    return {code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in codes}
