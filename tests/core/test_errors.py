import pytest
from django.core.cache import caches
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_it_answers_unknown_api_paths_with_the_error_shape(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_refuses_an_oversized_body_with_413(api):
    response = api.post("/api/v1/analyses", data="x" * 70_000, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "throttle-test"}})
def test_it_throttles_with_429_and_retry_after(api, user):
    caches["default"].clear()
    plan = user.get_plan()
    plan.api_rate_per_minute = 2
    plan.save()
    assert api.get("/api/v1/auth/me").status_code == 200
    assert api.get("/api/v1/auth/me").status_code == 200
    response = api.get("/api/v1/auth/me")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"


def test_it_serves_the_openapi_schema(anon_api):
    response = anon_api.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for expected in ["/api/v1/analyses", "/api/v1/analyses/{id}/findings", "/api/v1/auth/token",
                     "/api/v1/auth/api-keys", "/api/v1/analyses/{id}/events"]:
        assert expected in paths, expected


def test_it_serves_swagger_ui(anon_api):
    assert anon_api.get("/api/docs/").status_code == 200


def test_the_old_health_path_still_answers_with_the_system_health(anon_api):
    body = anon_api.get("/api/v1/health").json()
    assert set(body["checks"]) == {"database", "cache", "broker", "workers"}
    assert body["database"] == body["checks"]["database"]["vendor"]


def test_it_refuses_multipart_bodies_in_the_error_shape(api):
    response = api.post("/api/v1/auth/api-keys", data={"name": "x"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_it_documents_throttling_on_every_operation(anon_api):
    paths = anon_api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for item in paths.values():
        for operation in item.values():
            assert "429" in operation["responses"]
