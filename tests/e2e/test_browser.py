"""A person in Chromium: log in, submit an analysis, watch live progress, read the result.

Runs against a live daphne + qcluster on the test database (see conftest.py).
Needs Debian's Chromium at /usr/bin/chromium (.ci/run installs it).
"""

import pytest
from django.contrib.auth.hashers import make_password
from django.test import override_settings
from playwright.sync_api import sync_playwright

from apps.jobs.models import Job, Status
from tests.e2e.conftest import free_port
from tests.support.testsite import TestSite

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def slow_site():
    with TestSite(latency=0.08) as site:
        with override_settings(SITELENS_ALLOWED_TARGETS=site.host_port):
            yield site


@pytest.fixture
def browser_page(tmp_path, monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread, which makes
    # Django refuse ORM calls from the test body; the test's own ORM use is plain sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        # Everything the Content-Security-Policy blocked, as the page reports it.
        page.csp_violations = []
        page.on("console", lambda message: page.csp_violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        yield page
        page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
        browser.close()


def test_it_lets_a_person_run_and_watch_an_audit(processes, slow_site, user, browser_page):
    port = free_port()
    processes.daphne(port)
    processes.qcluster()
    base = f"http://127.0.0.1:{port}"
    page = browser_page
    # The live server uses the base settings, which do not know the tests' fast hasher.
    user.password = make_password("correct horse battery", hasher="pbkdf2_sha256")
    user.save()

    page.goto(base + "/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", user.email)
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    assert "No analyses yet" in page.content()

    page.click("text=New analysis >> nth=1")
    page.fill("#url", slow_site.url)
    page.fill("#max_pages", "30")
    page.click("text=Start analysis")
    page.wait_for_url(f"{base}/analyses/**")
    job = Job.objects.get(owner=user)

    # Mark this document: a reload would lose the mark, so a counter that moves
    # while the mark is still there was updated live.
    page.evaluate("window.__sitelensMark = 'live'")
    page.wait_for_function("() => Number(document.getElementById('pages-done').textContent) >= 3",
                           timeout=30_000)
    assert page.evaluate("window.__sitelensMark") == "live"
    assert int(page.get_attribute("#job-progress", "value")) >= 3
    assert page.locator("#log li").count() >= 1

    # When the analysis ends the page reloads itself with the full result.
    page.wait_for_function("() => window.__sitelensMark === undefined && "
                           "document.getElementById('job-status').textContent === 'succeeded'",
                           timeout=60_000)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    html = page.content()
    assert "image-alt" in html and "/broken-links" in html
    assert page.locator("#pages tbody tr").count() == job.pages_done

    # The pages live within their Content-Security-Policy: nothing was blocked, the live
    # updates (WebSocket, scripts, styles) included.
    for path in ("/", f"/analyses/{job.pk}", "/notifications", "/account", "/api/docs/",
                 "/api/redoc/"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    # ReDoc's bundle asks its CDN for its "powered by" logo: the one request the policy
    # is meant to stop, and the only one allowed to be reported.
    assert [text for text in page.csp_violations
            if "https://cdn.redoc.ly/redoc/logo-mini.svg" not in text] == []
