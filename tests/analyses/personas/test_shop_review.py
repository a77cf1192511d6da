"""Persona reviews of the shop (tests/support/shop.py), end to end in django-q2 sync mode:
the problems a novice on a phone with a screen reader meets, and an expert on a desktop
does not."""

import pytest

from apps.analyses.models import Finding, PersonaReview
from apps.jobs.models import Job, Page, Status
from tests.support.shop import GOAL_PAGE

pytestmark = pytest.mark.django_db

NOVICE = {
    "role": "parent planning a holiday", "experience_level": "novice",
    "primary_goal": "compare camera rental prices",
    "context": "wants a camera for a week at the seaside",
    "additional_details": {"device": "mobile", "accessibility_needs": ["screen_reader"]},
}
EXPERT = {**NOVICE, "role": "professional photographer", "experience_level": "expert",
          "additional_details": {"device": "desktop"}}


def analyse(api, shop, capture, **body) -> Job:
    with capture(execute=True):
        response = api.post("/api/v1/analyses", {"url": shop.url("/"), "max_pages": 30, **body},
                            format="json")
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == Status.SUCCEEDED, job.error
    return job


def _problems(review) -> set[str]:
    return {o["key"].split(":http")[0] for o in review.observations if o["kind"] == "problem"}


@pytest.fixture
def novice(api, shop, django_capture_on_commit_callbacks):
    job = analyse(api, shop, django_capture_on_commit_callbacks, kind="single", persona=NOVICE)
    return job, PersonaReview.objects.get(job=job)


def test_a_novice_on_a_phone_with_a_screen_reader_meets_every_problem(novice):
    job, review = novice
    assert _problems(review) == {
        "findability:no-scent", "comprehension:too-hard", "access:image-alt", "access:label",
        "weight:slow", "trust:no-https",
    }
    goal = Page.objects.get(job=job, url__endswith=GOAL_PAGE)
    assert review.goal_pages[0] == goal.pk
    assert [Page.objects.get(pk=pk).url.removeprefix(job.url.rstrip("/")) for pk in review.path] \
        == ["/", "/products", "/products/cameras", GOAL_PAGE]
    # The accessibility need and the slow connection weigh double.
    assert review.weights["access"] == 40 and review.weights["weight"] == 30
    assert review.scores["weight"] < 50 and review.scores["access"] <= 50


def test_every_observation_cites_evidence_that_resolves_in_the_api(api, novice):
    job, review = novice
    for observation in review.observations:
        for page_id in observation["pages"]:
            assert api.get(f"/api/v1/analyses/{job.pk}/pages/{page_id}").status_code == 200
        for finding_id in observation["findings"]:
            response = api.get(f"/api/v1/analyses/{job.pk}/findings/{finding_id}")
            assert response.status_code == 200
            assert response.json()["page_id"] in observation["pages"]
    label = next(o for o in review.observations if o["key"] == "access:label")
    assert {Finding.objects.get(pk=i).rule_id for i in label["findings"]} == {"label"}
    assert label["findings_total"] == len(label["findings"]) >= 1


def test_an_expert_on_a_desktop_meets_none_of_the_novices_problems(
        api, shop, django_capture_on_commit_callbacks):
    job = analyse(api, shop, django_capture_on_commit_callbacks, kind="single", persona=EXPERT)
    review = PersonaReview.objects.get(job=job)
    assert _problems(review) == {"trust:no-https"}
    # The weak links are still noted, but an expert gets past two of them.
    assert {o["kind"] for o in review.observations
            if o["key"].startswith("findability:no-scent")} == {"note"}
    assert review.scores["comprehension"] == 100 and review.scores["weight"] == 100
    assert review.overall > 80


def test_the_final_event_and_the_personas_answer_carry_scores_and_versions(api, novice):
    job, review = novice
    completed = job.events.filter(type="completed").get()
    assert completed.data["personas"] == [review.overall]
    assert set(completed.data["scores"]) >= {"seo", "accessibility", "content"}
    body = api.get(f"/api/v1/analyses/{job.pk}/personas").json()
    assert body["versions"]["persona_thresholds"] == review.thresholds_version
    assert {"trafilatura", "py3langid", "snowballstemmer"} <= set(body["versions"])
