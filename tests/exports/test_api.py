"""The exports API: making, listing, downloading (with credentials or a signed link),
converting, batching, deleting; bad input in the one error shape; retention."""

import io
import json
import zipfile
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from apps.exports import services
from apps.exports.models import Export
from apps.jobs.models import Job, Status
from tests.analyses.personas.test_shop_review import analyse
from tests.exports.support import download, make_export, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(api, shop, django_capture_on_commit_callbacks):
    return analyse(api, shop, django_capture_on_commit_callbacks)


def test_an_export_reports_its_size_hash_expiry_and_two_ways_to_download(
        api, anon_api, job, django_capture_on_commit_callbacks):
    export = make_export(api, django_capture_on_commit_callbacks, job, "json")
    assert export["analysis"] == str(job.pk) and export["format"] == "json"
    assert export["media_type"] == "application/json" and export["size"] > 0
    assert export["download"].endswith(f"/api/v1/exports/{export['id']}/download")
    body = download(api, export)
    signed = anon_api.get(export["download_url"])  # no credentials needed
    assert signed.status_code == 200 and b"".join(signed.streaming_content) == body
    assert signed["X-Content-SHA256"] == export["sha256"]
    assert anon_api.get(export["download"]).status_code == 401


def test_a_tampered_link_is_not_found_and_an_old_one_has_expired(
        api, anon_api, job, django_capture_on_commit_callbacks, settings):
    export = make_export(api, django_capture_on_commit_callbacks, job, "csv")
    url = export["download_url"]
    tampered = url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb")
    response = anon_api.get(tampered)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    later = timezone.now().timestamp() + settings.SITELENS_EXPORT_LINK_SECONDS + 5
    with mock.patch("django.core.signing.time.time", return_value=later):
        expired = anon_api.get(url)
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "link_expired"
    # An export past its own expiry is gone, whatever the link says.
    Export.objects.filter(pk=export["id"]).update(expires_at=timezone.now())
    assert anon_api.get(url).status_code == 410


def test_bad_requests_get_the_one_error_shape_and_create_nothing(
        api, other_api, job, shop, django_capture_on_commit_callbacks):
    unknown = api.post(f"/api/v1/analyses/{job.pk}/exports", {"format": "docx"}, format="json")
    assert unknown.status_code == 400 and "format" in unknown.json()["error"]["details"]
    theirs = other_api.post(f"/api/v1/analyses/{job.pk}/exports", {"format": "json"},
                            format="json")
    assert theirs.status_code == 404
    running = Job.objects.create(owner=job.owner, kind="audit", url=shop.url("/"), options={},
                                 status=Status.RUNNING)
    busy = api.post(f"/api/v1/analyses/{running.pk}/exports", {"format": "json"}, format="json")
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "analysis_running"
    assert "still running" in busy.json()["error"]["message"]
    assert api.post(f"/api/v1/analyses/{job.pk}/exports", {"format": "json", "x": 1},
                    format="json").status_code == 400
    assert not Export.objects.exists()


def test_convert_list_filter_and_delete(api, other_api, job, django_capture_on_commit_callbacks):
    first = make_export(api, django_capture_on_commit_callbacks, job, "json")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/exports/{first['id']}/convert", {"to": "sarif"},
                            format="json")
    assert response.status_code == 202
    converted = api.get(f"/api/v1/exports/{response.json()['id']}").json()
    assert (converted["format"], converted["status"], converted["converted_from"]) == \
        ("sarif", "ready", first["id"])
    listed = api.get(f"/api/v1/exports?analysis={job.pk}&format=sarif").json()["results"]
    assert [e["id"] for e in listed] == [converted["id"]]
    assert api.get("/api/v1/exports?analysis=nope").status_code == 400
    assert other_api.get("/api/v1/exports").json()["results"] == []
    assert other_api.get(f"/api/v1/exports/{first['id']}").status_code == 404
    assert other_api.delete(f"/api/v1/exports/{first['id']}").status_code == 404
    name = stored(first).file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/exports/{first['id']}").status_code == 204
    assert not default_storage.exists(name)
    assert api.get(f"/api/v1/exports/{first['id']}").status_code == 404


def test_a_batch_zips_several_analyses(api, shop, job, django_capture_on_commit_callbacks,
                                       other_api):
    second = analyse(api, shop, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/exports/batch", {"analyses": [str(job.pk), str(second.pk)],
                                                      "format": "json"}, format="json")
    assert response.status_code == 202, response.content
    export = api.get(f"/api/v1/exports/{response.json()['id']}").json()
    assert export["batch"] is True and export["media_type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download(api, export))) as archive:
        names = archive.namelist()
        assert names == [f"sitelens-{str(job.pk)[:8]}.json", f"sitelens-{str(second.pk)[:8]}.json"]
        assert json.loads(archive.read(names[1]))["analysis"]["id"] == str(second.pk)
    refused = other_api.post("/api/v1/exports/batch", {"analyses": [str(job.pk)],
                                                       "format": "json"}, format="json")
    assert refused.status_code == 404


def test_the_exports_option_builds_them_when_the_analysis_succeeds(
        api, shop, django_capture_on_commit_callbacks):
    job = analyse(api, shop, django_capture_on_commit_callbacks, exports=["sarif", "junit"])
    made = {e.format: e.status for e in Export.objects.filter(job=job)}
    assert made == {"sarif": "ready", "junit": "ready"}
    bad = api.post("/api/v1/analyses", {"url": shop.url("/"), "exports": ["docx"]}, format="json")
    assert bad.status_code == 400 and "exports" in bad.json()["error"]["details"]


def test_expired_exports_are_deleted_with_their_files(api, job, django_capture_on_commit_callbacks):
    old = make_export(api, django_capture_on_commit_callbacks, job, "csv")
    fresh = make_export(api, django_capture_on_commit_callbacks, job, "json")
    name = stored(old).file.name
    Export.objects.filter(pk=old["id"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delete_expired() == 1
    assert not default_storage.exists(name)
    assert list(Export.objects.values_list("pk", flat=True)) == [stored(fresh).pk]


def test_retention_follows_the_plan(api, job, django_capture_on_commit_callbacks):
    plan = job.owner.get_plan()
    plan.export_retention_days = 2
    plan.save()
    export = stored(make_export(api, django_capture_on_commit_callbacks, job, "csv"))
    assert timedelta(days=2) - timedelta(minutes=1) < export.expires_at - export.created_at \
        < timedelta(days=2, minutes=1)


def test_exports_count_in_this_months_usage_and_deleting_one_keeps_the_count(
        api, job, django_capture_on_commit_callbacks):
    export = make_export(api, django_capture_on_commit_callbacks, job, "csv")
    make_export(api, django_capture_on_commit_callbacks, job, "json")
    assert api.delete(f"/api/v1/exports/{export['id']}").status_code == 204
    body = api.get("/api/v1/usage").json()
    assert body["exports"] == 2 and body["analyses"] == 1
    assert body["pages_crawled"] == job.pages_done > 0
