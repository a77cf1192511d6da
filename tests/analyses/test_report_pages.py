"""The analysis pages a browser user reads: the dashboard's filters and rows, the full
new-analysis form, the report (scores, chart, filters, pages, personas, exports), a
page of an analysis, comparing runs, and share links. Analyses really run (django-q2
sync mode) against the local test site."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.analyses.models import Finding, PageContent, PersonaReview, Report, ShareLink
from apps.exports.models import Export
from apps.jobs.models import EventType, Job, JobEvent, Page, Status
from tests.factories import FindingFactory, JobFactory, PageFactory

pytestmark = pytest.mark.django_db

PERSONA = {"persona_role": "Shop owner", "persona_experience_level": "novice",
           "persona_primary_goal": "compare prices", "persona_device": "mobile"}


def _analyse(browser, capture, url, **fields) -> Job:
    before = set(Job.objects.values_list("pk", flat=True))
    with capture(execute=True):
        response = browser.post("/analyses/new", {"url": url, "max_pages": "5", "max_depth": "2",
                                                  "respect_robots": "on", **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.exclude(pk__in=before).get()
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED, job.error
    return job


@pytest.fixture
def audited(browser, site, django_capture_on_commit_callbacks) -> Job:
    return _analyse(browser, django_capture_on_commit_callbacks, site.url)


# --------------------------------------------------------------------------- dashboard


def test_it_filters_the_dashboard_by_status_and_url(browser, user):
    JobFactory(owner=user, url="http://shop.example/", status=Status.SUCCEEDED)
    JobFactory(owner=user, url="http://blog.example/", status=Status.FAILED)
    html = browser.get("/?status=failed").content.decode()
    assert "blog.example" in html and "shop.example" not in html
    html = browser.get("/?q=shop").content.decode()
    assert "shop.example" in html and "blog.example" not in html
    assert "No analysis matches" in browser.get("/?q=nothing-like-it").content.decode()


def test_the_dashboard_shows_each_analysis_scores(browser, audited):
    html = browser.get("/").content.decode()
    row = re.search(rf'<tr data-job-id="{audited.pk}".*?</tr>', html, re.S).group(0)
    scores = Report.objects.get(job=audited).scores
    assert f'title="seo">{scores["seo"]}<' in row


def test_the_dashboard_row_is_mine_only(browser, other_user):
    theirs = JobFactory(owner=other_user)
    assert browser.get(f"/analyses/{theirs.pk}/row").status_code == 404


# --------------------------------------------------------------------------- new analysis


def test_the_form_starts_a_persona_review(browser, site, django_capture_on_commit_callbacks):
    job = _analyse(browser, django_capture_on_commit_callbacks, site.url, kind="single",
                   persona_needs=["screen_reader"], exports=["json"], **PERSONA)
    assert job.kind == "single"
    persona = job.options["persona"]
    assert persona["role"] == "Shop owner"
    assert persona["additional_details"]["device"] == "mobile"
    assert persona["additional_details"]["accessibility_needs"] == ["screen_reader"]
    assert job.options["exports"] == ["json"]
    assert PersonaReview.objects.filter(job=job).count() == 1


def test_the_form_shows_persona_errors_inline(browser, site):
    response = browser.post("/analyses/new", {"url": site.url, "kind": "single",
                                              "persona_experience_level": "novice"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="persona_role-error"' in html and 'id="persona_primary_goal-error"' in html
    assert not Job.objects.exists()


def test_the_form_ignores_persona_fields_for_an_audit(browser, site,
                                                      django_capture_on_commit_callbacks):
    job = _analyse(browser, django_capture_on_commit_callbacks, site.url, kind="audit",
                   **PERSONA)
    assert job.options["persona"] is None


def test_the_form_rejects_a_bad_pattern_inline(browser, site):
    response = browser.post("/analyses/new", {"url": site.url, "include": "/blog/\n(unclosed"})
    assert response.status_code == 400
    assert "not a valid regular expression" in response.content.decode()
    assert not Job.objects.exists()


def test_the_form_passes_patterns_and_switches(browser, site, django_capture_on_commit_callbacks):
    job = _analyse(browser, django_capture_on_commit_callbacks, site.url,
                   exclude="/about\n\n/contact")
    assert job.options["exclude"] == ["/about", "/contact"]
    assert job.options["use_sitemap"] is False  # an unticked box is off
    assert not Page.objects.filter(job=job, url__contains="/about").exists()


# --------------------------------------------------------------------------- the report


def test_the_report_shows_gauges_and_the_chart(browser, audited):
    html = browser.get(f"/analyses/{audited.pk}").content.decode()
    scores = Report.objects.get(job=audited).scores
    assert f'aria-label="SEO: {scores["seo"]} of 100"' in html
    assert 'aria-label="Violations by category and severity"' in html


def test_the_report_filters_findings_by_page_rule_and_severity(browser, audited):
    finding = Finding.objects.filter(job=audited, page__isnull=False).order_by("id").first()
    base = f"/analyses/{audited.pk}"
    by_page = browser.get(f"{base}?page_id={finding.page_id}").context["findings"]
    assert by_page.paginator.count == Finding.objects.filter(page_id=finding.page_id).count()
    by_rule = browser.get(f"{base}?rule={finding.rule_id}").context["findings"]
    assert {f.rule_id for f in by_rule} == {finding.rule_id}
    severe = browser.get(f"{base}?severity={finding.severity}").context["findings"]
    assert severe.paginator.count == Finding.objects.filter(
        job=audited, severity=finding.severity, outcome="violation").count()


def test_a_page_of_the_report_shows_its_findings_and_markdown(browser, audited):
    content = PageContent.objects.filter(job=audited).exclude(markdown="").first()
    html = browser.get(f"/analyses/{audited.pk}/pages/{content.page_id}").content.decode()
    first_line = content.markdown.strip().splitlines()[0]
    assert first_line[:40] in html.replace("&#x27;", "'").replace("&quot;", '"')
    for finding in Finding.objects.filter(page_id=content.page_id):
        assert finding.rule_id in html


def test_a_page_of_another_analysis_is_not_found(browser, audited, user, other_user):
    mine_elsewhere = PageFactory(job=JobFactory(owner=user))
    assert browser.get(f"/analyses/{audited.pk}/pages/{mine_elsewhere.pk}").status_code == 404
    theirs = PageFactory(job=JobFactory(owner=other_user, status=Status.SUCCEEDED))
    assert browser.get(f"/analyses/{theirs.job_id}/pages/{theirs.pk}").status_code == 404


def test_the_report_fragment_is_what_the_live_page_swaps_in(browser, audited, other_user):
    response = browser.get(f"/analyses/{audited.pk}/report")
    html = response.content.decode()
    assert response.status_code == 200 and not html.lstrip().startswith("<!doctype")
    assert 'id="findings-table"' in html and 'id="exports"' in html
    assert browser.get(f"/analyses/{JobFactory(owner=other_user).pk}/report").status_code == 404


def test_a_running_analysis_starts_its_live_view_after_the_last_event(browser, user):
    job = JobFactory(owner=user, status=Status.RUNNING, pages_done=2, pages_total=8)
    event = JobEvent.objects.create(job=job, type=EventType.PROGRESS, data={})
    html = browser.get(f"/analyses/{job.pk}").content.decode()
    assert f'data-after="{event.pk}"' in html and 'id="percent">25<' in html
    assert 'id="findings-table"' not in html  # the report arrives when it ends


def test_page_events_carry_violations_by_severity(audited):
    """The live counts add up the same violations the page's findings event lists."""
    listed: dict[str, dict[str, int]] = {}
    for event in JobEvent.objects.filter(job=audited, type=EventType.FINDING):
        for f in event.data["findings"]:
            if f["outcome"] == "violation" and event.data["page"]:
                by = listed.setdefault(event.data["page"], {})
                by[f["severity"]] = by.get(f["severity"], 0) + 1
    pages = JobEvent.objects.filter(job=audited, type=EventType.PAGE)
    assert {e.data["url"]: e.data["violations"] for e in pages if e.data["violations"]} == listed
    assert listed


def test_the_report_shows_a_focus_group(browser, site, django_capture_on_commit_callbacks):
    job = _analyse(browser, django_capture_on_commit_callbacks, site.url, kind="focus_group",
                   num_variations="3", **PERSONA)
    html = browser.get(f"/analyses/{job.pk}").content.decode()
    matrix = re.search(r'<table class="table matrix" id="focus-matrix">.*?</table>', html, re.S)
    rows = re.findall(r"<tr><th scope=\"row\">", matrix.group(0))
    assert len(rows) == PersonaReview.objects.filter(job=job).count() == 3
    assert "Consensus" in html and "Disagreement" in html


# --------------------------------------------------------------------------- exports


def test_the_report_builds_an_export(browser, audited, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/analyses/{audited.pk}/exports/new", {"format": "csv"})
    assert response.status_code == 302
    export = Export.objects.get(job=audited)
    assert export.format == "csv" and export.status == "ready"
    html = browser.get(f"/analyses/{audited.pk}").content.decode()
    assert f"/api/v1/exports/{export.pk}/download" in html
    download = browser.get(f"/api/v1/exports/{export.pk}/download")
    assert download.status_code == 200 and b"rule_id" in b"".join(download.streaming_content)


def test_an_unknown_format_is_a_message_not_an_export(browser, audited):
    response = browser.post(f"/analyses/{audited.pk}/exports/new", {"format": "docx"},
                            follow=True)
    assert "docx" in response.content.decode() and not Export.objects.exists()


def test_another_users_analysis_cannot_be_exported(browser, other_user):
    theirs = JobFactory(owner=other_user, status=Status.SUCCEEDED)
    assert browser.post(f"/analyses/{theirs.pk}/exports/new", {"format": "csv"}).status_code == 404
    assert not Export.objects.exists()


# --------------------------------------------------------------------------- compare


def test_the_report_links_to_the_earlier_run_and_compares(browser, user, audited, site,
                                                          django_capture_on_commit_callbacks):
    later = _analyse(browser, django_capture_on_commit_callbacks, site.url)
    Finding.objects.filter(job=later).order_by("id").first().delete()
    html = browser.get(f"/analyses/{later.pk}").content.decode()
    assert f"/analyses/{later.pk}/compare?with={audited.pk}" in html
    page = browser.get(f"/analyses/{later.pk}/compare?with={audited.pk}").content.decode()
    assert 'id="cmp-fixed">1<' in page and 'id="cmp-new">0<' in page


def test_compare_refuses_other_users_and_bad_ids(browser, audited, other_user):
    theirs = JobFactory(owner=other_user, status=Status.SUCCEEDED, url=audited.url)
    base = f"/analyses/{audited.pk}/compare"
    assert browser.get(f"{base}?with={theirs.pk}").status_code == 404
    assert browser.get(f"{base}?with=not-a-uuid").status_code == 404
    assert browser.get(base).status_code == 404  # no earlier run of mine


# --------------------------------------------------------------------------- sharing


def _share(browser, job, **fields) -> str:
    response = browser.post(f"/analyses/{job.pk}/share", fields)
    assert response.status_code == 200
    return re.search(r'id="share-url">([^<]+)<', response.content.decode()).group(1)


def test_a_share_link_opens_the_report_logged_out_without_owner_data(browser, audited, user):
    url = _share(browser, audited, label="For the client")
    token = url.rsplit("/", 1)[1]
    assert not ShareLink.objects.filter(token_hash=token).exists()  # only its hash is kept
    visitor = Client()
    response = visitor.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex, nofollow"
    assert 'id="findings-table"' in html and 'id="scores"' in html
    assert user.email not in html and "csrfmiddlewaretoken" not in html
    assert "Build export" not in html and "Create share link" not in html
    page = Page.objects.filter(job=audited).first()
    assert f"/share/{token}/pages/{page.pk}" in html
    assert visitor.get(f"/share/{token}/pages/{page.pk}").status_code == 200
    assert ShareLink.objects.get().views == 2


def test_the_share_link_is_shown_once(browser, audited):
    url = _share(browser, audited)
    assert url not in browser.get(f"/analyses/{audited.pk}").content.decode()


def test_a_revoked_share_link_is_not_found(browser, audited):
    url = _share(browser, audited)
    link = ShareLink.objects.get()
    assert browser.post(f"/analyses/{audited.pk}/share/{link.pk}/revoke").status_code == 302
    assert Client().get(url).status_code == 404
    page = Page.objects.filter(job=audited).first()
    assert Client().get(f"{url}/pages/{page.pk}").status_code == 404


def test_an_expired_share_link_is_not_found(browser, audited):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    url = _share(browser, audited, expires_at=tomorrow)
    assert Client().get(url).status_code == 200
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(url).status_code == 404


def test_share_links_refuse_bad_expiry_and_unknown_tokens(browser, audited):
    response = browser.post(f"/analyses/{audited.pk}/share", {"expires_at": "2001-01-01"},
                            follow=True)
    assert "must be in the future" in response.content.decode()
    assert not ShareLink.objects.exists()
    assert Client().get("/share/not-a-real-token").status_code == 404


def test_only_the_owner_shares_or_revokes(browser, other_user, user):
    theirs = JobFactory(owner=other_user, status=Status.SUCCEEDED)
    assert browser.post(f"/analyses/{theirs.pk}/share").status_code == 404
    other = Client()
    other.force_login(other_user)
    mine = JobFactory(owner=user, status=Status.SUCCEEDED)
    _share(browser, mine)
    link = ShareLink.objects.get()
    assert other.post(f"/analyses/{mine.pk}/share/{link.pk}/revoke").status_code == 404
    assert ShareLink.objects.get().revoked_at is None


def test_a_running_analysis_cannot_be_shared(browser, user):
    job = JobFactory(owner=user, status=Status.RUNNING)
    browser.post(f"/analyses/{job.pk}/share")
    assert not ShareLink.objects.exists()


def test_the_report_lists_a_rule_help_link(browser, user):
    job = JobFactory(owner=user, status=Status.SUCCEEDED)
    FindingFactory(job=job, help_url="https://dequeuniversity.com/rules/axe/4.10/image-alt")
    html = browser.get(f"/analyses/{job.pk}").content.decode()
    assert 'href="https://dequeuniversity.com/rules/axe/4.10/image-alt"' in html


# --------------------------------------------------------------------------- review fixes


def test_every_refused_field_of_the_form_is_marked(browser, site):
    response = browser.post("/analyses/new", {
        "url": site.url, "include": "x" * 501, "kind": "single", **PERSONA,
        "persona_context": "y" * 1001})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this field has no more than 500 characters." in html
    assert "Ensure this field has no more than 1000 characters." in html


def test_a_page_lists_its_most_severe_findings_first(browser, user):
    job = JobFactory(owner=user, status=Status.SUCCEEDED)
    page = PageFactory(job=job)
    for severity, outcome in (("minor", "violation"), ("serious", "needs_review"),
                              ("serious", "violation"), ("critical", "violation")):
        FindingFactory(job=job, page=page, severity=severity, outcome=outcome)
    findings = browser.get(f"/analyses/{job.pk}/pages/{page.pk}").context["findings"]
    assert [(f.severity, f.outcome) for f in findings] == [
        ("critical", "violation"), ("serious", "violation"), ("minor", "violation"),
        ("serious", "needs_review")]


def test_dashboard_pages_keep_a_search_with_special_characters(browser, user):
    for n in range(26):
        JobFactory(owner=user, url=f"http://a.example/?x=1&y={n}")
    html = browser.get("/", {"q": "x=1&y"}).content.decode()
    assert "page=2&q=x%3D1%26y" in html


def test_a_deactivated_owners_share_links_stop_working(browser, audited, user):
    url = _share(browser, audited)
    user.is_active = False
    user.save()
    assert Client().get(url).status_code == 404


def test_the_page_showing_a_new_share_link_is_not_cached(browser, audited):
    response = browser.post(f"/analyses/{audited.pk}/share")
    assert "no-store" in response["Cache-Control"]
