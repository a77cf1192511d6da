"""Sitelens's own pages pass Sitelens's own audit: every page rule (accessibility, SEO,
content, weight) runs on each rendered page, and none may report a critical or serious
violation. A page that a person reads must be as good as what we ask of others."""

from pathlib import Path

import pytest
from django.test import Client

from apps.analyses.analyzers import analyze_page
from apps.analyses.models import Finding
from apps.jobs.models import Job, Page, Status
from tests.support.rule_fixtures import Fixture, crawled

pytestmark = pytest.mark.django_db

SEVERE = {"critical", "serious"}


def _problems(client: Client, path: str, *, allowed: frozenset = frozenset()) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code}"
    headers = {k.lower(): v for k, v in response.headers.items()}
    page = crawled(Fixture(path=Path(path), rule_id="", html=response.content.decode(),
                           url=f"http://testserver{path}", headers=headers))
    return [f"{path}: {f.rule_id} ({f.severity}) {f.message} at {f.selector}"
            for f in analyze_page(page)
            if f.outcome == "violation" and f.severity in SEVERE and f.rule_id not in allowed]


@pytest.fixture
def analysed(user, site, django_capture_on_commit_callbacks) -> Job:
    browser = Client()
    browser.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/analyses/new", {"url": site.url, "max_pages": "5", "kind": "focus_group",
                                       "num_variations": "2", "persona_role": "Shop owner",
                                       "persona_experience_level": "novice",
                                       "persona_primary_goal": "compare prices",
                                       "respect_robots": "on"})
    job = Job.objects.get()
    assert job.status == Status.SUCCEEDED and Finding.objects.filter(job=job).exists()
    return job


def test_the_logged_out_pages_pass_our_audit(client):
    problems = [p for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset",
                               "/accounts/password/reset/sent")
                for p in _problems(client, path)]
    assert problems == []


def test_the_product_pages_pass_our_audit(user, analysed):
    browser = Client()
    browser.force_login(user)
    page = Page.objects.filter(job=analysed).first()
    paths = ["/", "/?status=failed", "/analyses/new", f"/analyses/{analysed.pk}",
             f"/analyses/{analysed.pk}/pages/{page.pk}", "/account", "/notifications",
             "/exports", "/webhooks", "/accounts/api-keys", "/accounts/profile",
             "/accounts/password/change"]
    problems = [p for path in paths for p in _problems(browser, path)]
    assert problems == []


def test_the_form_with_errors_passes_our_audit(user):
    browser = Client()
    browser.force_login(user)
    response = browser.post("/analyses/new", {"url": "ftp://x", "kind": "single"})
    assert response.status_code == 400
    page = crawled(Fixture(path=Path("/analyses/new"), rule_id="", url="http://testserver/a",
                           html=response.content.decode(), headers={}))
    assert [f.rule_id for f in analyze_page(page)
            if f.outcome == "violation" and f.severity in SEVERE] == []


def test_a_shared_report_passes_our_audit(user, analysed):
    owner = Client()
    owner.force_login(user)
    html = owner.post(f"/analyses/{analysed.pk}/share").content.decode()
    url = html.split('id="share-url">', 1)[1].split("<", 1)[0]
    # A shared report is kept out of search engines on purpose (noindex): that is the
    # one serious finding it may have.
    assert _problems(Client(), url.replace("http://testserver", ""),
                     allowed=frozenset({"is-crawlable"})) == []
