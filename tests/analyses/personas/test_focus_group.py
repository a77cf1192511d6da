"""Focus groups: systematic members, a summary that says who saw what, and the same
bytes every time (in this process and in another one)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from apps.analyses.personas.group import members
from apps.analyses.personas.persona import Persona
from apps.analyses.pipeline.personas import canonical
from tests.analyses.personas.test_shop_review import NOVICE, analyse

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[3]


def test_members_vary_one_axis_at_a_time_then_in_pairs_without_randomness():
    template = Persona.from_dict({**NOVICE, "additional_details": {"device": "mobile"}})
    group = members(template, 20)
    assert [m.index for m in group] == list(range(20))
    assert group[0].persona == template and group[0].varied == {}
    singles = [m.varied for m in group[1:] if len(m.varied) == 1]
    assert singles[:4] == [{"experience": "intermediate"}, {"experience": "expert"},
                           {"device": "tablet"}, {"device": "desktop"}]
    assert len({tuple(sorted(m.varied.items())) for m in group}) == 20  # all distinct
    assert any(len(m.varied) == 2 for m in group)  # pairs once the single axes are used
    assert members(template, 20) == group and members(template, 3) == group[:3]


def test_a_focus_group_reports_consensus_and_the_axis_that_splits_the_rest(
        api, shop, django_capture_on_commit_callbacks):
    job = analyse(api, shop, django_capture_on_commit_callbacks, kind="focus_group",
                  persona={**NOVICE, "additional_details": {"device": "mobile"}},
                  num_variations=6)
    body = api.get(f"/api/v1/analyses/{job.pk}/personas").json()
    assert body["kind"] == "focus_group" and len(body["members"]) == 6
    summary = body["summary"]
    assert summary["members"] == 6
    consensus = {entry["key"]: entry for entry in summary["consensus"]}
    assert consensus["trust:no-https"]["seen_by"] == "6 of 6 members"
    # The plans page is too hard for novices and intermediates, not for the expert member.
    hard = next(e for e in summary["majority"] + summary["divergent"] + summary["consensus"]
                if e["key"].startswith("comprehension:too-hard"))
    expert = next(m["member"] for m in body["members"] if m["varied"] == {"experience": "expert"})
    assert expert not in hard["members"]
    slow = next(e for e in summary["consensus"] if e["key"].startswith("weight:slow"))
    assert slow["seen_by"] == "5 of 6 members"
    assert slow["explained_by"] == "only the members on mobile or tablet"
    assert hard["explained_by"] == "only the novice or intermediate members"
    assert consensus["trust:no-https"]["explained_by"] is None
    assert set(summary["spread"]) == {"findability", "comprehension", "access", "weight",
                                      "trust", "overall"}
    for entry in summary["consensus"] + summary["majority"] + summary["divergent"]:
        assert entry["seen_by"] == f"{len(entry['members'])} of 6 members"


REVIEW_AGAIN = """
import django, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()
from apps.analyses.personas.group import members
from apps.analyses.personas.persona import Persona
from apps.analyses.personas.review import review, SiteData
from apps.analyses.pipeline.personas import canonical
from tests.analyses.personas.test_focus_group import site_from_json
data = site_from_json(json.load(sys.stdin))
template = Persona.from_dict(json.loads(sys.argv[1]))
out = [review(m.persona, data).as_dict() for m in members(template, 5)]
sys.stdout.buffer.write(canonical(out))
"""


def site_to_json(data) -> dict:
    from dataclasses import asdict
    raw = asdict(data)
    raw["analysed_on"] = data.analysed_on.isoformat()
    for page in raw["pages"]:
        page["content_stems"] = sorted(page["content_stems"])
    return raw


def site_from_json(raw: dict):
    from datetime import date

    from apps.analyses.personas.review import SiteData, SiteFinding, SitePage
    pages = tuple(SitePage(**{**p, "links": tuple(p["links"]), "headings": tuple(p["headings"]),
                              "content_stems": frozenset(p["content_stems"])})
                  for p in raw["pages"])
    return SiteData(start_url=raw["start_url"], analysed_on=date.fromisoformat(raw["analysed_on"]),
                    pages=pages, findings=tuple(SiteFinding(**f) for f in raw["findings"]))


def test_the_same_crawl_reviewed_twice_and_in_another_process_gives_the_same_bytes(
        api, shop, django_capture_on_commit_callbacks):
    from apps.analyses.personas.review import review
    from apps.analyses.pipeline import store

    job = analyse(api, shop, django_capture_on_commit_callbacks, kind="focus_group",
                  persona=NOVICE, num_variations=5)
    data = store.site_data(job)
    template = Persona.from_dict(NOVICE)
    first = canonical([review(m.persona, data).as_dict() for m in members(template, 5)])
    second = canonical([review(m.persona, store.site_data(job)).as_dict()
                        for m in members(template, 5)])
    assert first == second
    other = subprocess.run(
        [sys.executable, "-c", REVIEW_AGAIN, json.dumps(NOVICE)], cwd=REPO, check=True,
        input=json.dumps(site_to_json(data)).encode(), capture_output=True, timeout=120,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert other == first
    stored = api.get(f"/api/v1/analyses/{job.pk}/personas").json()["members"]
    assert [m["overall"] for m in stored] == [r["overall"] for r in json.loads(first)]
