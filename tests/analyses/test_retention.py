"""The retention sweep removes old analyses' bulk, keeps their results, and says so."""

import json
from datetime import timedelta

import jsonschema
import pytest
from django.utils import timezone

from apps.analyses import retention
from apps.analyses.models import Finding, PageContent
from apps.jobs.models import Job, JobEvent, Page
from tests.analyses.personas.test_shop_review import analyse
from tests.exports.support import download, make_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_and_new(api, shop, django_capture_on_commit_callbacks):
    old = analyse(api, shop, django_capture_on_commit_callbacks)
    new = analyse(api, shop, django_capture_on_commit_callbacks)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=31))
    return old, new


def _counts(job):
    return {"pages": Page.objects.filter(job=job).count(),
            "findings": Finding.objects.filter(job=job).count(),
            "markdown": PageContent.objects.filter(job=job).count(),
            "events": set(JobEvent.objects.filter(job=job).values_list("type", flat=True))}


def test_old_analyses_lose_markdown_and_fine_events_but_keep_results(api, old_and_new,
                                                                     settings):
    old, new = old_and_new
    before_old, before_new = _counts(old), _counts(new)
    assert before_old["markdown"] > 0 and "page" in before_old["events"]
    settings.SITELENS_PRUNE_AFTER_DAYS = 0
    assert retention.prune_old_analyses() == 0  # off by default
    settings.SITELENS_PRUNE_AFTER_DAYS = 30
    assert retention.prune_old_analyses() == 1
    after_old = _counts(old)
    assert after_old["pages"] == before_old["pages"]
    assert after_old["findings"] == before_old["findings"]
    assert after_old["markdown"] == 0 and after_old["events"] == {"status", "completed"}
    assert _counts(new) == before_new
    pruned = api.get(f"/api/v1/analyses/{old.pk}").json()["pruned"]
    assert pruned["after_days"] == 30 and pruned["markdown_pages"] == before_old["markdown"]
    assert pruned["events"] > 0
    assert api.get(f"/api/v1/analyses/{new.pk}").json()["pruned"] is None
    assert api.get(f"/api/v1/analyses/{old.pk}").json()["scores"]  # results stay
    assert retention.prune_old_analyses() == 0  # once


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous")
def test_a_pruned_analysis_says_so_in_its_page_content_and_exports(
        api, client, user, old_and_new, django_capture_on_commit_callbacks):
    old, _new = old_and_new
    retention.prune_old_analyses(days=30)
    markdown = b"".join(api.get(f"/api/v1/analyses/{old.pk}/content"))
    assert b"content was removed on" in markdown and b"30 days after" in markdown
    client.force_login(user)
    page = client.get(f"/analyses/{old.pk}").content.decode()
    assert 'id="pruned"' in page and "Its pages, findings, scores and reviews are kept" in page
    document = json.loads(download(api, make_export(api, django_capture_on_commit_callbacks,
                                                    old, "json")))
    schema = api.get("/api/v1/schema/export.json").json()
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert document["analysis"]["pruned"]["markdown_pages"] > 0
