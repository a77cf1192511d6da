"""Security headers and CSP, GZip (never on a stream), CORS by allowlist, unknown hosts in
the error shape, and the production start-up check."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import StreamingHttpResponse

from apps.core.middleware import GZipMiddleware
from config.security import production_problems

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
STRONG = "k3Y-" + "x9QzL2vR8mW4tB7nC1" * 3


def test_pages_carry_a_strict_policy_and_the_security_headers(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response  # only behind HTTPS


def test_admin_and_api_docs_get_inline_styles_only(client):
    for path in ("/admin/login/", "/api/docs/", "/api/redoc/"):
        policy = client.get(path)["Content-Security-Policy"]
        assert "style-src 'self' 'unsafe-inline'" in policy, path
        assert "script-src 'self';" in policy, path


def test_api_answers_are_compressed_but_streams_are_not(api, rf):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT_ENCODING="gzip")
    assert schema["Content-Encoding"] == "gzip"
    assert gzip.decompress(schema.content).startswith(b"openapi")
    # A streamed answer (an export download, the site's Markdown) passes as it is, chunk
    # by chunk; Django's own middleware would compress it and hold chunks back.
    stream = StreamingHttpResponse(iter([b"# one\n" * 100, b"# two\n" * 100]),
                                   content_type="text/markdown")
    request = rf.get("/api/v1/analyses/x/content", HTTP_ACCEPT_ENCODING="gzip")
    passed = GZipMiddleware(lambda r: stream)(request)
    assert "Content-Encoding" not in passed
    assert next(iter(passed.streaming_content)) == b"# one\n" * 100


def test_cors_answers_only_allowed_origins(anon_api, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://dashboard.example"]

    def preflight(origin):
        return anon_api.options("/api/v1/analyses", HTTP_ORIGIN=origin,
                                HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                                HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization")

    allowed = preflight("https://dashboard.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://dashboard.example"
    assert "authorization" in allowed["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in preflight("https://evil.example")
    exposed = anon_api.get("/api/v1/system/ping", HTTP_ORIGIN="https://dashboard.example")
    assert "X-Request-ID" in exposed["Access-Control-Expose-Headers"]


def test_an_unknown_host_gets_the_error_shape(anon_api):
    response = anon_api.get("/api/v1/system/ping", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("secret_key, hosts, keys, debug, expected", [
    ("", ["sitelens.example"], ["k"], False, "SECRET_KEY is not set"),
    ("django-insecure-" + "a1b2c3d4e5" * 5, ["sitelens.example"], ["k"], False, "too weak"),
    ("change-me-" + "q" * 45, ["sitelens.example"], ["k"], False, "too weak"),
    (STRONG, ["*"], ["k"], False, "ALLOWED_HOSTS"),
    (STRONG, ["sitelens.example"], [], False, "SITELENS_CREDENTIAL_KEYS"),
    (STRONG, ["sitelens.example"], ["k"], True, "DEBUG"),
])
def test_the_production_check_names_each_problem(secret_key, hosts, keys, debug, expected):
    problems = production_problems(secret_key=secret_key, debug=debug, allowed_hosts=hosts,
                                   credential_keys=keys)
    assert len(problems) == 1 and expected in problems[0]


def _start(**env):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SITELENS_CREDENTIAL_KEYS")}
    environ.update(DJANGO_SETTINGS_MODULE="config.settings.base", SITELENS_PRODUCTION="1",
                   **env)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)


def test_production_mode_refuses_to_start_with_defaults_and_starts_when_configured():
    refused = _start(ALLOWED_HOSTS="*")
    assert refused.returncode != 0
    assert "Refusing to start in production mode" in refused.stderr
    assert "SECRET_KEY is not set" in refused.stderr and "ALLOWED_HOSTS" in refused.stderr
    started = _start(SECRET_KEY=STRONG, ALLOWED_HOSTS="sitelens.example",
                     SITELENS_CREDENTIAL_KEYS="M2Zf6y1v0m4b7m1ZC0yWm1o2c3Vh3H6pQ9n2k5r8t0A=")
    assert started.returncode == 0, started.stderr
