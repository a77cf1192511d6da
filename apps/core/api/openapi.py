"""drf-spectacular glue: the API-key scheme and the canonical (slash-less) paths."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key <key>`"}


ERROR_REF = {"$ref": "#/components/schemas/Error"}
# Answers any endpoint can give: rate limiting, and unparseable or oversized bodies.
COMMON_ERRORS = {
    "429": "Too many requests (see Retry-After)",
}
BODY_ERRORS = {
    "413": "Request body too large",
    "415": "Unsupported media type (send application/json)",
}


def finalize(result, generator, request, public):
    """Canonical paths, and the errors every operation shares, in the one error shape.

    Every path also answers with a trailing slash; the schema documents the
    canonical one without it.
    """
    result["paths"] = {path.rstrip("/") or "/": item for path, item in result["paths"].items()}
    for item in result["paths"].values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            extra = dict(COMMON_ERRORS)
            if method in ("post", "put", "patch"):
                extra.update(BODY_ERRORS)
            for code, description in extra.items():
                responses.setdefault(code, {
                    "description": description,
                    "content": {"application/json": {"schema": ERROR_REF}},
                })
    return result
