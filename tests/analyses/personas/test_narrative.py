"""The optional LLM narrative, against a small local server that speaks the
chat-completions API: stored apart, labelled as generated, never changing a score,
and harmless when it fails."""

import json
import logging
import time

import pytest

from apps.analyses.models import PersonaReview
from apps.jobs.models import Status
from tests.analyses.personas.test_shop_review import NOVICE, analyse
from tests.support.http_server import LocalHTTPServer, Reply

pytestmark = pytest.mark.django_db
KEY = "sk-test-secret-key-1234"


@pytest.fixture
def llm(settings):
    with LocalHTTPServer() as server:
        settings.SITELENS_LLM_URL = server.url("/v1")
        settings.SITELENS_LLM_MODEL = "local-test-model"
        settings.SITELENS_LLM_API_KEY = KEY
        settings.SITELENS_LLM_TIMEOUT = 1
        yield server


def _answer(text):
    return Reply(200, json.dumps({"choices": [{"message": {"role": "assistant",
                                                           "content": text}}]}),
                 {"Content-Type": "application/json"})


def test_the_narrative_is_written_from_the_review_and_labelled(
        api, shop, llm, django_capture_on_commit_callbacks, caplog):
    llm.route("/v1/chat/completions", _answer("A parent on a phone struggles to find prices."))
    with caplog.at_level(logging.DEBUG):
        job = analyse(api, shop, django_capture_on_commit_callbacks, kind="single",
                      persona=NOVICE)
    review = PersonaReview.objects.get(job=job)
    (request,) = [r for r in llm.requests if r.path == "/v1/chat/completions"]
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    body = json.loads(request.body)
    assert body["model"] == "local-test-model"
    facts = json.loads(body["messages"][1]["content"])
    assert facts["scores"] == review.scores
    assert {o["message"] for o in facts["observations"]} == \
        {o["message"] for o in review.observations}
    member = api.get(f"/api/v1/analyses/{job.pk}/personas").json()["members"][0]
    assert member["narrative"] == {"text": "A parent on a phone struggles to find prices.",
                                   "model": "local-test-model", "generated": True}
    assert KEY not in caplog.text and KEY not in json.dumps(member)


@pytest.mark.parametrize("failure", ["error", "timeout", "garbage"])
def test_a_failing_reviewer_leaves_the_analysis_succeeded_and_the_scores_alone(
        api, shop, llm, django_capture_on_commit_callbacks, failure, caplog):
    def slow(handler):
        time.sleep(1.5)
        return _answer("too late")

    llm.route("/v1/chat/completions", {"error": Reply(500, "upstream broke"), "timeout": slow,
                                       "garbage": Reply(200, "not json")}[failure])
    job = analyse(api, shop, django_capture_on_commit_callbacks, kind="single", persona=NOVICE)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    review = PersonaReview.objects.get(job=job)
    assert review.narrative == "" and review.narrative_error
    member = api.get(f"/api/v1/analyses/{job.pk}/personas").json()["members"][0]
    assert member["narrative"] is None and member["scores"] == review.scores
    assert KEY not in caplog.text


def test_it_is_off_by_default(api, shop, django_capture_on_commit_callbacks, settings):
    assert not settings.SITELENS_LLM_URL
    job = analyse(api, shop, django_capture_on_commit_callbacks, kind="single", persona=NOVICE)
    assert PersonaReview.objects.get(job=job).narrative_error == ""
