"""drf-spectacular glue: the API-key scheme and the canonical (slash-less) paths."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from apps.core.api.schema import BODY_ERRORS, COMMON_ERRORS, DESCRIPTIONS


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <key>`"}


ERROR_REF = {"$ref": "#/components/schemas/Error"}


def finalize(result, generator, request, public):
    """Canonical paths, and the errors every operation shares, in the one error shape.

    Every path also answers with a trailing slash; the schema documents the
    canonical one without it.
    """
    result["paths"] = {path.rstrip("/") or "/": item for path, item in result["paths"].items()}
    for item in result["paths"].values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            codes = COMMON_ERRORS + (BODY_ERRORS if method in ("post", "put", "patch") else ())
            for code in codes:
                responses.setdefault(str(code), {
                    "description": DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ERROR_REF}},
                })
    return result
