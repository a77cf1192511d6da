"""X-Request-ID in and out, in error bodies and in every log line; log lines as JSON with
the analysis id; no secret in any of them."""

import io
import json
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

from apps.core.logs import ContextFilter, redact
from config.settings import base
from tests.analyses.personas.test_shop_review import analyse

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The production log handler (JSON formatter, context filter) on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    options = {k: v for k, v in base.LOGGING["formatters"]["json"].items() if k != "()"}
    handler.setFormatter(JsonFormatter(**options))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_request_id_is_made_returned_and_put_in_error_bodies(anon_api):
    response = anon_api.get("/api/v1/nowhere")
    made = response["X-Request-ID"]
    assert len(made) == 32 and response.json()["error"]["request_id"] == made
    assert anon_api.get("/api/v1/system/ping")["X-Request-ID"] != made


def test_a_callers_request_id_is_kept_unless_it_is_unsafe(anon_api):
    kept = anon_api.get("/api/v1/nowhere", HTTP_X_REQUEST_ID="ci-run-42.step:7")
    assert kept["X-Request-ID"] == "ci-run-42.step:7"
    assert kept.json()["error"]["request_id"] == "ci-run-42.step:7"
    for unsafe in ("<script>", "a" * 129, "two words"):
        replaced = anon_api.get("/api/v1/nowhere", HTTP_X_REQUEST_ID=unsafe)
        assert replaced["X-Request-ID"] != unsafe and len(replaced["X-Request-ID"]) == 32


def test_log_lines_are_json_with_the_request_id(anon_api, json_lines):
    anon_api.get("/api/v1/nowhere", HTTP_X_REQUEST_ID="trace-me")
    lines = [line for line in json_lines() if line.get("request_id") == "trace-me"]
    assert lines, json_lines()
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any("Not Found" in line["message"] for line in lines)


def test_worker_log_lines_name_the_analysis(api, shop, settings, json_lines,
                                            django_capture_on_commit_callbacks):
    settings.SITELENS_ALLOWED_TARGETS = shop.authority
    job = analyse(api, shop, django_capture_on_commit_callbacks)
    mine = [line for line in json_lines() if line.get("analysis_id") == str(job.pk)]
    assert mine and all(line["analysis_id"] == str(job.pk) for line in mine)


def test_no_secret_reaches_a_log_line(anon_api, api, user, json_lines):
    anon_api.post("/api/v1/auth/token", {"email": user.email, "password": "hunter2-wrong"},
                  format="json")
    key = api.post("/api/v1/auth/api-keys", {"name": "ci"}, format="json").json()["key"]
    api.get("/api/v1/nowhere", HTTP_AUTHORIZATION=f"Api-Key {key}")
    logging.getLogger("careless").warning("retrying with Authorization: Bearer abc.def.ghi "
                                          "and password=hunter2 and whsec_c2VjcmV0c2VjcmV0")
    text = json.dumps(json_lines())
    for secret in ("hunter2", key, "abc.def.ghi", "whsec_c2VjcmV0c2VjcmV0"):
        assert secret not in text
    assert "[redacted]" in text


def test_redaction_keeps_what_is_not_a_secret():
    assert redact("job 42 crawled 3 pages") == "job 42 crawled 3 pages"
    assert redact('{"password": "p4ss", "email": "a@b.c"}') == \
        '{"password": "[redacted]", "email": "a@b.c"}'
