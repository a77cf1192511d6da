"""Comparing two runs of the shop: new, fixed, unchanged, score deltas, pages."""

import pytest

from tests.analyses.personas.test_shop_review import analyse
from tests.support.http_server import Reply
from tests.support.shop import PAGES, PLANS, page

pytestmark = pytest.mark.django_db


def test_a_later_run_shows_what_was_fixed_what_is_new_and_the_score_deltas(
        api, shop, django_capture_on_commit_callbacks):
    before = analyse(api, shop, django_capture_on_commit_callbacks)
    fixed_plans = PLANS.replace('<input type="email" name="email">',
                                '<label>Email <input type="email" name="email"></label>')
    html = {"Content-Type": "text/html; charset=utf-8"}
    shop.route("/products/cameras/plans",
               Reply(200, page(PAGES["/products/cameras/plans"][0], fixed_plans), html))
    shop.route("/faq", Reply(404, "gone"))
    after = analyse(api, shop, django_capture_on_commit_callbacks)

    body = api.get(f"/api/v1/analyses/{after.pk}/compare?with={before.pk}").json()
    fixed = {(f["rule_id"], f["page_url"]) for f in body["findings"]["fixed"]["results"]}
    assert ("label", shop.url("/products/cameras/plans")) in fixed
    assert ("thin-content", shop.url("/faq")) in fixed
    new = {(f["rule_id"], f["page_url"]) for f in body["findings"]["new"]["results"]}
    assert ("http-status-code", shop.url("/faq")) in new
    assert body["findings"]["unchanged"]["count"] > 0
    assert body["findings"]["new"]["count"] == len(body["findings"]["new"]["results"])
    delta = body["scores"]["delta"]
    assert delta["accessibility"] == (body["scores"]["analysis"]["accessibility"]
                                      - body["scores"]["with"]["accessibility"])
    assert body["pages"] == {"added": [], "removed": []}


def test_compare_refuses_itself_other_users_and_garbage(api, other_api, shop,
                                                         django_capture_on_commit_callbacks):
    job = analyse(api, shop, django_capture_on_commit_callbacks)
    itself = api.get(f"/api/v1/analyses/{job.pk}/compare?with={job.pk}")
    assert itself.status_code == 400 and "with" in itself.json()["error"]["details"]
    assert api.get(f"/api/v1/analyses/{job.pk}/compare?with=nope").status_code == 400
    assert api.get(f"/api/v1/analyses/{job.pk}/compare").status_code == 400
    missing = "00000000-0000-0000-0000-000000000000"
    assert api.get(f"/api/v1/analyses/{job.pk}/compare?with={missing}").status_code == 404
    theirs = analyse(other_api, shop, django_capture_on_commit_callbacks)
    assert api.get(f"/api/v1/analyses/{job.pk}/compare?with={theirs.pk}").status_code == 404
    assert other_api.get(f"/api/v1/analyses/{job.pk}/compare?with={theirs.pk}").status_code \
        == 404
