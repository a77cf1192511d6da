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


def _error(code: int) -> dict:
    return {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ERROR_REF}}}


# Served by an ASGI app of its own (apps.jobs.sse), so no DRF view describes it.
EVENT_STREAM = {
    "get": {
        "operationId": "analyses_events_stream",
        "tags": ["analyses"],
        "summary": "Server-Sent Events: the analysis's events, replayed then live",
        "description": "`text/event-stream` with the WebSocket's events (`id`, `event` = type, "
                       "`data` = the event as JSON), a `: keep-alive` comment every 15 s, closed "
                       "after the final status. Resume with `Last-Event-ID` (EventSource sends "
                       "it) or `?after=`. Authenticate with a Bearer JWT or API key header, "
                       "`?token=<jwt>`, or the session cookie.",
        "parameters": [
            {"in": "path", "name": "id", "required": True,
             "schema": {"type": "string", "format": "uuid"}},
            {"in": "query", "name": "after", "schema": {"type": "integer", "minimum": 0},
             "description": "Only events with a larger id."},
            {"in": "header", "name": "Last-Event-ID", "schema": {"type": "integer", "minimum": 0},
             "description": "Resume after this event."},
        ],
        "security": [{"jwtAuth": []}, {"ApiKeyAuth": []}, {"cookieAuth": []}],
        "responses": {
            "200": {"description": "The event stream",
                    "content": {"text/event-stream": {"schema": {"type": "string"}}}},
            **{str(code): _error(code) for code in (400, 401, 404)},
        },
    }
}


def finalize(result, generator, request, public):
    """Canonical paths, and the errors every operation shares, in the one error shape.

    Every path also answers with a trailing slash; the schema documents the
    canonical one without it.
    """
    result["paths"] = {path.rstrip("/") or "/": item for path, item in result["paths"].items()}
    result["paths"]["/api/v1/analyses/{id}/events/stream"] = EVENT_STREAM
    for item in result["paths"].values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            codes = COMMON_ERRORS + (BODY_ERRORS if method in ("post", "put", "patch") else ())
            for code in codes:
                responses.setdefault(str(code), _error(code))
    return result
