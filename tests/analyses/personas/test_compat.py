"""The original service's endpoints, unchanged for its clients."""

import pytest

from apps.jobs.models import Job
from tests.analyses.personas.test_shop_review import NOVICE

pytestmark = pytest.mark.django_db

TEMPLATE = {"role": "parent", "experience_level": "novice",
            "primary_goal": "compare camera rental prices", "context": "a week at the seaside",
            "additional_details": "Uses a screen reader on her phone, slow rural connection"}


def test_single_answers_a_task_that_completes_with_the_review(
        api, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/analyze/single",
                            {"url": shop.url("/"), "persona_template": TEMPLATE}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"task_id", "status", "message"}
    job = Job.objects.get(pk=body["task_id"])
    assert job.kind == "single" and job.options["max_pages"] == 5
    details = job.options["persona"]["additional_details"]
    assert (details["device"], details["connection"], details["accessibility_needs"]) == \
        ("mobile", "slow-4g", ["screen_reader"])
    task = api.get(f"/api/v1/analysis/{body['task_id']}").json()
    assert set(task) == {"status", "result", "error"}
    assert task["status"] == "completed" and task["error"] is None
    review = task["result"]["persona_review"]
    assert review["persona"]["role"] == "parent" and 0 <= review["overall"] <= 100
    # The native API serves the same analysis.
    assert api.get(f"/api/v1/analyses/{body['task_id']}/personas").status_code == 200


def test_focus_group_defaults_to_five_variations(api, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/analyze/focus-group",
                            {"url": shop.url("/"), "persona_template": NOVICE}, format="json")
    assert response.status_code == 202, response.content
    task = api.get(f"/api/v1/analysis/{response.json()['task_id']}").json()
    assert task["status"] == "completed"
    assert len(task["result"]["variations"]) == 5
    assert task["result"]["summary"]["members"] == 5


def test_it_is_owner_scoped_and_refuses_bad_input_in_the_error_shape(api, other_api, shop,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task_id = api.post("/api/v1/analyze/single", {"url": shop.url("/"),
                           "persona_template": TEMPLATE}, format="json").json()["task_id"]
    assert other_api.get(f"/api/v1/analysis/{task_id}").status_code == 404
    bad = api.post("/api/v1/analyze/single", {"url": shop.url("/"), "persona_template": {
        **TEMPLATE, "experience_level": "wizard"}}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert "persona_template" in bad.json()["error"]["details"]
    bad = api.post("/api/v1/analyze/focus-group", {"url": shop.url("/"), "num_variations": 50,
                   "persona_template": TEMPLATE}, format="json")
    assert bad.status_code == 400 and "num_variations" in bad.json()["error"]["details"]
    assert Job.objects.count() == 1
