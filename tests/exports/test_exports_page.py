"""The /exports page: my exports newest first with their state, the download link that
works with the browser's session, delete, and 404 for anyone else's export."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.exports import services
from apps.exports.models import Export
from apps.jobs.models import Status
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(user):
    return JobFactory(owner=user, status=Status.SUCCEEDED, url="http://example.com/shop")


def _built(user, job, fmt, capture) -> Export:
    """An export made and built the real way (the build task runs on commit, sync mode)."""
    with capture(execute=True):
        export = services.export_create(user=user, job=job, format=fmt)
    export.refresh_from_db()
    assert export.status == "ready", export.error
    return export


def _row(page: str, export: Export) -> str:
    start = page.index(f'id="export-{export.pk}"')
    return page[start:page.index("</tr>", start)]


def test_it_lists_my_exports_newest_first_with_their_analysis(
        browser, user, job, django_capture_on_commit_callbacks):
    older = _built(user, job, "json", django_capture_on_commit_callbacks)
    newer = _built(user, job, "csv", django_capture_on_commit_callbacks)
    response = browser.get("/exports")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(f"export-{newer.pk}") < page.index(f"export-{older.pk}")
    assert f'href="/analyses/{job.pk}"' in _row(page, newer)
    assert "http://example.com/shop" in _row(page, newer)


def test_it_does_not_list_other_users_exports(browser, other_user,
                                              django_capture_on_commit_callbacks):
    theirs = JobFactory(owner=other_user, status=Status.SUCCEEDED)
    export = _built(other_user, theirs, "json", django_capture_on_commit_callbacks)
    page = browser.get("/exports").content.decode()
    assert str(export.pk) not in page and "No exports yet." in page


def test_it_shows_ready_failed_and_expired_states(browser, user, job,
                                                  django_capture_on_commit_callbacks):
    ready = _built(user, job, "json", django_capture_on_commit_callbacks)
    failed = _built(user, job, "csv", django_capture_on_commit_callbacks)
    Export.objects.filter(pk=failed.pk).update(status="failed",
                                               error="RuntimeError: the format broke")
    expired = _built(user, job, "markdown", django_capture_on_commit_callbacks)
    Export.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    page = browser.get("/exports").content.decode()
    assert ">ready<" in _row(page, ready) and "Download" in _row(page, ready)
    assert ">failed<" in _row(page, failed) and "RuntimeError: the format broke" in \
        _row(page, failed)
    assert "Download" not in _row(page, failed)
    assert ">expired<" in _row(page, expired) and "Download" not in _row(page, expired)


def test_its_download_link_serves_the_file_with_the_session(browser, user, job,
                                                            django_capture_on_commit_callbacks):
    export = _built(user, job, "json", django_capture_on_commit_callbacks)
    page = browser.get("/exports").content.decode()
    link = f"/api/v1/exports/{export.pk}/download"
    assert f'href="{link}"' in _row(page, export)
    response = browser.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert b"".join(response.streaming_content) == default_storage.open(export.file.name).read()


def test_it_paginates_by_25(browser, user, job, django_capture_on_commit_callbacks):
    for _ in range(26):
        _built(user, job, "json", django_capture_on_commit_callbacks)
    first = browser.get("/exports").content.decode()
    second = browser.get("/exports?page=2").content.decode()
    assert first.count('<tr id="export-') == 25 and second.count('<tr id="export-') == 1
    assert 'href="?page=2"' in first


def test_delete_removes_the_export_and_its_file(browser, user, job,
                                                django_capture_on_commit_callbacks):
    export = _built(user, job, "json", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/exports/{export.pk}/delete")
    assert response.status_code == 302 and response["Location"] == "/exports"
    assert not Export.objects.filter(pk=export.pk).exists()
    assert not default_storage.exists(export.file.name)


def test_delete_needs_a_post(browser, user, job, django_capture_on_commit_callbacks):
    export = _built(user, job, "json", django_capture_on_commit_callbacks)
    assert browser.get(f"/exports/{export.pk}/delete").status_code == 405
    assert Export.objects.filter(pk=export.pk).exists()


def test_another_users_export_is_not_found_on_every_route(other_browser, user, job,
                                                          django_capture_on_commit_callbacks):
    export = _built(user, job, "json", django_capture_on_commit_callbacks)
    assert other_browser.post(f"/exports/{export.pk}/delete").status_code == 404
    assert other_browser.get(f"/api/v1/exports/{export.pk}/download").status_code == 404
    assert Export.objects.filter(pk=export.pk).exists()


def test_the_page_needs_a_login(client):
    response = client.get("/exports")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
