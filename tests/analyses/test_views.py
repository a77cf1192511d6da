"""Server-rendered pages: log in, dashboard, submit, status/result page."""

import pytest

from apps.jobs.models import Job, Page, Status
from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_logs_in_with_email_and_password(client, user):
    response = client.post("/accounts/login/", {"username": user.email,
                                                "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_signs_up_a_new_user(client):
    response = client.post("/accounts/signup/", {"email": "new@example.com",
                                                 "password1": "a long passphrase 1",
                                                 "password2": "a long passphrase 1"})
    assert response.status_code == 302
    assert "new@example.com" in client.get("/").content.decode()


def test_it_lists_only_my_analyses_on_the_dashboard(browser, user, other_user):
    Job.objects.create(owner=user, url="http://mine.example/", options={})
    Job.objects.create(owner=other_user, url="http://theirs.example/", options={})
    page = browser.get("/").content.decode()
    assert "mine.example" in page and "theirs.example" not in page


def test_it_submits_an_analysis_from_the_form(browser, site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/analyses/new", {"url": site.url, "max_pages": "5", "max_depth": "1"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/analyses/{job.pk}"
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED


def test_it_shows_form_errors_for_a_bad_url(browser):
    response = browser.post("/analyses/new", {"url": "ftp://example.com/", "max_pages": "5"})
    assert response.status_code == 400
    assert "Only http and https URLs" in response.content.decode()
    assert not Job.objects.exists()


def test_it_shows_a_refused_target_on_the_form(browser):
    response = browser.post("/analyses/new", {"url": "http://127.0.0.1:9/"})
    assert response.status_code == 400
    assert not Job.objects.exists()


def test_it_renders_the_status_and_result_page(browser, user):
    job = Job.objects.create(owner=user, url="http://example.com/", options={},
                             status=Status.SUCCEEDED, pages_done=1, pages_total=1)
    page = Page.objects.create(job=job, url="http://example.com/", status_code=200, title="Home")
    FindingFactory(job=job, page=page, page_url=page.url, message="Image has no alt")
    html = browser.get(f"/analyses/{job.pk}").content.decode()
    assert 'id="live"' in html and f'data-job-id="{job.pk}"' in html
    assert "image-alt" in html and "Image has no alt" in html and "Home" in html
    assert "js/live.js" in html


def test_the_result_page_shows_review_findings_and_page_weight(browser, user):
    job = Job.objects.create(owner=user, url="http://example.com/", options={},
                             status=Status.SUCCEEDED, pages_done=1, pages_total=1)
    weight = {"html_bytes": 2048, "resources": 3, "resources_sized": 2, "total_bytes": 5 * 1024**2}
    page = Page.objects.create(job=job, url="http://example.com/", status_code=200, fetch_ms=321,
                               size_bytes=2048, facts={"weight": weight}, findings_dropped=7)
    FindingFactory(job=job, page=page, page_url=page.url, rule_id="bypass",
                   outcome="needs_review", message="No way to skip")
    html = browser.get(f"/analyses/{job.pk}").content.decode()
    assert "needs review" in html and "No way to skip" in html
    assert "5.0\xa0MB" in html
    assert "321" in html and "7 findings over the cap not kept" in html
    detail = browser.get(f"/analyses/{job.pk}/pages/{page.pk}").content.decode()
    assert "(2 of 3 resources sized)" in detail and "321 ms" in detail


def test_it_hides_another_users_analysis_page(browser, other_user):
    job = Job.objects.create(owner=other_user, url="http://theirs.example/", options={})
    assert browser.get(f"/analyses/{job.pk}").status_code == 404
    assert browser.post(f"/analyses/{job.pk}/cancel").status_code == 404


def test_it_cancels_from_the_page(browser, user):
    job = Job.objects.create(owner=user, url="http://example.com/", options={})
    browser.post(f"/analyses/{job.pk}/cancel")
    job.refresh_from_db()
    assert job.status == Status.CANCELLED


def test_it_serves_the_live_script(client):
    response = client.get("/static/js/live.js")
    assert response.status_code == 200
