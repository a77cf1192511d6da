"""The HTML report in Chromium: it renders with no request at all (offline, no CDN)."""

import pytest
from playwright.sync_api import sync_playwright

from tests.analyses.personas.test_shop_review import NOVICE, analyse
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS
from tests.exports.support import download, make_export

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]


def test_the_html_report_makes_no_request_in_chromium(api, shop, tmp_path, settings,
                                                      django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    job = analyse(api, shop, django_capture_on_commit_callbacks, kind="single", persona=NOVICE)
    report = tmp_path / "report.html"
    report.write_bytes(download(api, make_export(api, django_capture_on_commit_callbacks, job,
                                                 "html")))
    requested = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page()
            tab.on("request", lambda request: requested.append(request.url))
            tab.goto(report.as_uri())
            tab.wait_for_load_state("networkidle")
            gauges = tab.locator("svg.gauge").count()
            heading = tab.locator("h1").inner_text()
        finally:
            browser.close()
    assert requested == [report.as_uri()]  # the document itself, nothing else
    assert gauges == 5 and heading == f"Sitelens report: {job.url}"
