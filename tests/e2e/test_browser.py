"""A person in Chromium, from sign-up to a report sent to a client.

Sign up → verify the e-mail → log out and in → submit an analysis of a local site →
watch the progress bar reach 100 % with no reload → read the report → filter the
findings → download the HTML and PDF exports → create an API key and use it →
share the report, open it logged out, revoke it → another user's analysis is a 404 →
staff cancel an analysis from Django admin. Every page it visits must stay within its
Content-Security-Policy.

Runs against a live daphne + qcluster on the test database (see conftest.py), with
e-mail written to files so the test can read the verification link. Needs Debian's
Chromium at /usr/bin/chromium (.ci/run installs it). Screenshots of the dashboard,
the status page mid-run and the report land in var/screenshots/ (git-ignored).
"""

import re
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth.hashers import make_password
from django.db import connections
from django.test import override_settings
from playwright.sync_api import sync_playwright

from apps.accounts.models import User
from apps.exports.models import Export
from apps.jobs.models import Job, Status
from tests.e2e.conftest import ROOT, free_port, wait_for
from tests.factories import JobFactory
from tests.support.testsite import TestSite

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "var" / "screenshots"
PASSWORD = "a long passphrase for tests"


@pytest.fixture
def slow_site():
    with TestSite(latency=0.08) as site:
        with override_settings(SITELENS_ALLOWED_TARGETS=site.host_port):
            yield site


@pytest.fixture
def chromium(tmp_path, monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread, which makes
    # Django refuse ORM calls from the test body; the test's own ORM use is plain sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # While Playwright's loop runs, the test body's ORM calls get a connection of their
        # own context; close it here, or the teardown's backend sweep kills it under the
        # next test.
        connections.close_all()


def _new_page(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # Everything the Content-Security-Policy blocked, as the page reports it.
    page.csp_violations = []
    page.on("console", lambda message: page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm forms
    return page


def _mail_link(mail_dir: Path, pattern: str) -> str:
    def find():
        for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
            match = re.search(pattern, path.read_text())
            if match:
                return match.group(0)
        return None
    return wait_for(find, timeout=10, what=f"an e-mail matching {pattern}")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _download(page, link_text: str) -> bytes:
    with page.expect_download() as info:
        page.click(f"#exports a:has-text('{link_text}')")
    return Path(info.value.path()).read_bytes()


def test_a_person_goes_from_sign_up_to_a_shared_report(processes, slow_site, chromium,
                                                        tmp_path, other_user):
    mail_dir = tmp_path / "mail"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes.extra_env.update(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                               EMAIL_FILE_PATH=str(mail_dir), SITELENS_BASE_URL=base)
    processes.daphne(port)
    processes.qcluster()
    page = _new_page(chromium)
    email = "new.person@example.com"

    # Sign up, then confirm the address from the e-mail.
    page.goto(base + "/")
    assert "/accounts/login/" in page.url
    page.click("text=Sign up >> nth=0")
    page.fill("#id_email", email)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/")
    user = User.objects.get(email=email)
    assert user.email_verified_at is None
    page.goto(_mail_link(mail_dir, r"http://[^\s]+/accounts/verify-email/[^\s]+"))
    assert "verified" in page.content().lower()
    user.refresh_from_db()
    assert user.email_verified_at is not None

    # Log out and back in.
    page.goto(base + "/")
    page.click("text=Log out")
    page.goto(base + "/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/")
    _shot(page, "dashboard-empty")

    # Submit an analysis and watch it live.
    page.click("main >> text=New analysis")
    page.fill("#url", slow_site.url)
    page.fill("#max_pages", "30")
    page.check("#kind-single")  # the persona fields appear only for the persona kinds
    assert page.locator("#persona-fields").is_visible()
    page.check("#kind-audit")
    assert page.locator("#persona-fields").is_hidden()
    _shot(page, "new-analysis")
    page.click("text=Start analysis")
    page.wait_for_url(f"{base}/analyses/**")
    job = Job.objects.get(owner=user)
    # Mark this document: a reload would lose the mark, so a counter that moves while
    # the mark is still there was updated live.
    page.evaluate("window.__sitelensMark = 'live'")
    page.wait_for_function("() => Number(document.getElementById('pages-done').textContent) >= 3",
                           timeout=30_000)
    assert page.evaluate("window.__sitelensMark") == "live"
    assert page.locator("#live-pages tbody tr").count() >= 3
    _shot(page, "status-mid-run")

    # The progress bar reaches 100 % and the report replaces the live view, no reload.
    page.wait_for_function("() => document.getElementById('job-progress').value === 100 && "
                           "document.getElementById('findings-table') !== null",
                           timeout=60_000)
    assert page.evaluate("window.__sitelensMark") == "live"
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert page.locator("#job-status").text_content() == "Succeeded"
    assert page.locator("#live-pages").is_hidden()
    assert page.locator("#pages-table tbody tr").count() == job.pages_done
    assert page.locator("svg.gauge").count() == 5
    _shot(page, "report")

    # Filter the findings to one rule.
    page.select_option("#ff-rule", "image-alt")
    page.click("#findings button[type=submit]")
    page.wait_for_url("**rule=image-alt**")
    rules = page.locator("#findings-table tbody tr td:nth-child(2)").all_text_contents()
    assert rules and all(text.strip().startswith("image-alt") for text in rules)

    # Build and download the HTML and PDF exports.
    for fmt, link, magic in (("html", "Download HTML", b"<!DOCTYPE html>"),
                             ("pdf", "Download PDF", b"%PDF")):
        page.goto(f"{base}/analyses/{job.pk}")
        page.select_option("#export-format", fmt)
        page.click("#exports button[type=submit]")
        wait_for(lambda f=fmt: Export.objects.filter(job=job, format=f, status="ready").exists(),
                 timeout=60, what=f"the {fmt} export")
        page.reload()
        assert _download(page, link).startswith(magic)

    # An API key, shown once, works with the API.
    page.goto(base + "/accounts/api-keys")
    page.fill("#id_name", "CI")
    page.click("main form button[type=submit]")
    key = page.locator("#new-key").text_content().strip()
    _shot(page, "api-key-created")
    answer = requests.get(f"{base}/api/v1/analyses", headers={"Authorization": f"Api-Key {key}"},
                          timeout=10)
    assert answer.status_code == 200 and str(job.pk) in answer.text
    page.reload()  # a GET: the key is not shown again
    assert key not in page.content()

    # Share the report; a visitor without an account reads it; revoked, it is gone.
    page.goto(f"{base}/analyses/{job.pk}")
    page.click("text=Create share link")
    share_url = page.locator("#share-url").text_content().strip()
    visitor = _new_page(chromium)
    response = visitor.goto(share_url)
    assert response.status == 200 and visitor.locator("#findings-table").count() == 1
    _shot(visitor, "shared-report")
    visitor.click("#pages-table tbody tr >> nth=0 >> a")
    assert visitor.locator("#markdown").count() == 1
    _shot(visitor, "shared-page")
    visitor.go_back()
    assert email not in visitor.content() and visitor.locator("form[method=post]").count() == 0
    page.goto(f"{base}/analyses/{job.pk}#sharing")
    page.click("#share-links button:has-text('Revoke')")
    page.wait_for_url(f"**/analyses/{job.pk}**")
    assert visitor.goto(share_url).status == 404

    # Another user's analysis is not found.
    theirs = JobFactory(owner=other_user, url="http://theirs.example/")
    assert page.goto(f"{base}/analyses/{theirs.pk}").status == 404

    # The pages live within their Content-Security-Policy: nothing was blocked, the live
    # updates (WebSocket, scripts, styles) included.
    for path in ("/", f"/analyses/{job.pk}", "/notifications", "/account", "/api/docs/",
                 "/api/redoc/"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    _shot(page, "api-docs")
    page.goto(base + "/")
    _shot(page, "dashboard")
    # ReDoc's bundle asks its CDN for its "powered by" logo: the one request the policy
    # is meant to stop, and the only one allowed to be reported.
    violations = page.csp_violations + visitor.csp_violations
    assert [text for text in violations
            if "https://cdn.redoc.ly/redoc/logo-mini.svg" not in text] == []


def test_staff_cancel_an_analysis_from_admin(processes, chromium):
    port = free_port()
    processes.daphne(port)
    base = f"http://127.0.0.1:{port}"
    User.objects.create(email="ops@example.com", is_staff=True, is_superuser=True,
                        password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    customer = User.objects.create(email="customer@example.com")
    queued = JobFactory(owner=customer, url="http://queued.example/", status=Status.QUEUED)
    page = _new_page(chromium)
    page.goto(base + "/admin/")
    page.fill("#id_username", "ops@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")
    page.goto(base + "/admin/jobs/job/?q=queued.example")
    page.check(f"input[name=_selected_action][value='{queued.pk}']")
    page.select_option("select[name=action]", "cancel_jobs")
    page.click("button[name=index]")
    page.wait_for_load_state()
    deadline = time.time() + 10
    while time.time() < deadline:
        queued.refresh_from_db()
        if queued.status == Status.CANCELLED:
            break
        time.sleep(0.2)
    assert queued.status == Status.CANCELLED
    _shot(page, "admin-jobs")
    assert [text for text in page.csp_violations] == []


def test_without_websockets_the_status_page_polls_and_the_dashboard_follows(
        processes, slow_site, chromium, user):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes.daphne(port)
    processes.qcluster()
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save()
    JobFactory(owner=user, url="http://earlier.example/", status=Status.FAILED)
    dashboard, status = _new_page(chromium), _new_page(chromium)
    status.add_init_script("delete window.WebSocket")  # as behind a proxy that drops them
    for page in (dashboard, status):
        page.goto(base + "/accounts/login/")
        page.fill("#id_username", user.email)
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(base + "/")
    dashboard.evaluate("window.__sitelensMark = 'live'")

    status.goto(base + "/analyses/new")
    status.fill("#url", slow_site.url)
    status.fill("#max_pages", "12")
    status.click("text=Start analysis")
    status.wait_for_url(f"{base}/analyses/**")
    job = Job.objects.exclude(url="http://earlier.example/").get(owner=user)
    status.evaluate("window.__sitelensMark = 'live'")
    status.wait_for_function("() => document.getElementById('findings-table') !== null",
                             timeout=60_000)
    assert status.evaluate("window.__sitelensMark") == "live"
    assert status.get_attribute("#live", "data-transport") == "polling"
    assert status.locator("#job-status").text_content() == "Succeeded"

    # The dashboard, open all along, gained the new analysis's row and saw it succeed,
    # with its scores, without a reload.
    row = dashboard.locator(f"tr[data-job-id='{job.pk}']")
    row.locator("text=Succeeded").wait_for(timeout=15_000)
    row.locator(".score").first.wait_for(timeout=15_000)
    assert dashboard.evaluate("window.__sitelensMark") == "live"
    assert dashboard.locator("#analyses tbody tr").count() == 2
