"""Bad persona input: the one error shape, and nothing created."""

import pytest

from apps.analyses.options import AnalysisRequestSerializer
from apps.jobs.models import Job
from tests.analyses.personas.test_shop_review import NOVICE

pytestmark = pytest.mark.django_db
URL = "http://example.com/"


def _details(**changes):
    return {**NOVICE, "additional_details": {**NOVICE["additional_details"], **changes}}


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "single"}, "persona"),
    ({"kind": "focus_group"}, "persona"),
    ({"kind": "audit", "persona": NOVICE}, "persona"),
    ({"kind": "single", "persona": NOVICE, "num_variations": 3}, "num_variations"),
    ({"kind": "focus_group", "persona": NOVICE, "num_variations": 0}, "num_variations"),
    ({"kind": "focus_group", "persona": NOVICE, "num_variations": 21}, "num_variations"),
    ({"kind": "focus_group", "persona": NOVICE, "num_variations": "five"}, "num_variations"),
    ({"kind": "single", "persona": {**NOVICE, "experience_level": "guru"}}, "persona"),
    ({"kind": "single", "persona": {**NOVICE, "role": "x" * 101}}, "persona"),
    ({"kind": "single", "persona": {**NOVICE, "primary_goal": ""}}, "persona"),
    ({"kind": "single", "persona": {**NOVICE, "primary_goal": "the of and"}}, "persona"),
    ({"kind": "single", "persona": {k: v for k, v in NOVICE.items() if k != "role"}}, "persona"),
    ({"kind": "single", "persona": {**NOVICE, "mood": "grumpy"}}, "persona"),
    ({"kind": "single", "persona": _details(accessibility_needs=["telepathy"])}, "persona"),
    ({"kind": "single", "persona": _details(device="smartwatch")}, "persona"),
    ({"kind": "single", "persona": _details(connection="carrier-pigeon")}, "persona"),
    ({"kind": "single", "persona": "a novice"}, "persona"),
])
def test_bad_persona_input_is_refused_and_creates_nothing(api, body, field):
    response = api.post("/api/v1/analyses", {"url": URL, **body}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["details"]
    assert not Job.objects.exists()


def test_a_focus_group_gets_five_members_by_default():
    serializer = AnalysisRequestSerializer(data={"url": URL, "kind": "focus_group",
                                                 "persona": NOVICE})
    assert serializer.is_valid(), serializer.errors
    options = serializer.to_request().options
    assert options.num_variations == 5
    assert options.persona["additional_details"]["accessibility_needs"] == ["screen_reader"]
    assert options.to_json()["persona"]["primary_goal"] == NOVICE["primary_goal"]
