"""One pathological page keeps at most the cap of findings, and says how many it dropped."""

import pytest
from django.test import override_settings

from apps.analyses.models import Finding
from apps.jobs.models import Page, Status
from tests.support.analyses import create_analysis, run
from tests.support.testsite import Response, TestSite

pytestmark = pytest.mark.django_db

FLOOD = (
    "<!doctype html><html lang=en><head><title>A page with many images</title>"
    "<meta name=description content='x'></head><body><main><h1>Images</h1>"
    + '<img src="/a.png">' * 40
    + '<input type="text">' * 3  # label: critical, so kept before the images' critical ones
    + "</main></body></html>"
).encode()


@override_settings(SITELENS_MAX_FINDINGS_PER_PAGE=10)
def test_a_flooded_page_keeps_the_cap_and_counts_the_rest(user, api):
    routes = {"/": Response(200, FLOOD, {"Content-Type": "text/html; charset=utf-8"})}
    with TestSite(extra_routes=routes) as site, override_settings(
        SITELENS_ALLOWED_TARGETS=site.host_port
    ):
        job = create_analysis(user, site.url + "/", max_pages=1)
        run(job)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.error
    page = Page.objects.get(job=job, url__endswith="/")
    stored = Finding.objects.filter(job=job, page=page).count()
    assert stored == 10
    assert page.findings_dropped >= 33  # 40 images + 3 inputs, 10 kept
    body = api.get(f"/api/v1/analyses/{job.pk}/pages").json()
    row = next(p for p in body["results"] if p["id"] == page.pk)
    assert row["findings_dropped"] == page.findings_dropped
    assert row["findings_cap"] == 10
