"""The shop audited end to end (django-q2 sync mode): content findings, Markdown,
content metrics and scores, through the API."""

from urllib.parse import urlsplit

import pytest

from apps.analyses.models import Finding
from apps.jobs.models import Job, Page, Status
from tests.support.shop import GOAL_PAGE, PAGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(api, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/analyses", {"url": shop.url("/"), "max_pages": 30},
                            format="json")
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == Status.SUCCEEDED, job.error
    return job


def _found(job, *rules):
    return {(urlsplit(f.page_url).path, f.rule_id)
            for f in Finding.objects.filter(job=job, rule_id__in=rules)}


def test_it_reports_the_content_defects_and_only_those(audit):
    assert _found(audit, "thin-content", "near-duplicate-content",
                  "content-language-mismatch") == {
        ("/faq", "thin-content"),
        ("/blog/first-steps-again", "near-duplicate-content"),
        ("/de/ueber-uns", "content-language-mismatch"),
    }
    duplicate = Finding.objects.get(job=audit, rule_id="near-duplicate-content")
    assert duplicate.message.endswith("similar to " + audit.url + "blog/first-steps.")


def test_every_page_is_crawled_with_its_markdown(api, audit):
    assert {urlsplit(p.url).path for p in Page.objects.filter(job=audit)} == set(PAGES)
    page = Page.objects.get(job=audit, url__endswith=GOAL_PAGE)
    body = api.get(f"/api/v1/analyses/{audit.pk}/pages/{page.pk}").json()
    markdown = body["markdown"]
    assert markdown.startswith("# Camera rental plans and prices")
    assert "| Pro | £45 | £190 |" in markdown
    assert "Privacy policy" not in markdown and "Journal" not in markdown  # nav and footer
    assert body["content"]["language"] == "en" and 8 < body["content"]["grade"] <= 12
    assert body["scores"]["accessibility"] < 100


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume asynchronous")
def test_the_site_content_streams_as_one_markdown_document_in_crawl_order(api, audit):
    response = api.get(f"/api/v1/analyses/{audit.pk}/content")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    document = b"".join(response).decode()
    assert document.startswith(f"# Main content of {audit.url}\n")
    crawl_order = [p.url for p in Page.objects.filter(job=audit).order_by("id")]
    sources = [line[len("Source: <"):-1] for line in document.splitlines()
               if line.startswith("Source: <")]
    assert sources == crawl_order
    assert "# Camera rental plans and prices | Lumen Camera Rental" in document
    assert "| Pro | £45 | £190 |" in document


def test_the_analysis_carries_site_scores_content_summary_and_versions(api, audit):
    body = api.get(f"/api/v1/analyses/{audit.pk}").json()
    assert set(body["scores"]) == {"seo", "accessibility", "content", "links", "weight"}
    assert all(isinstance(v, int) and 0 <= v <= 100 for v in body["scores"].values())
    pages = api.get(f"/api/v1/analyses/{audit.pk}/pages?page_size=100").json()["results"]
    mean = round(sum(p["scores"]["accessibility"] for p in pages) / len(pages))
    assert body["scores"]["accessibility"] == mean
    assert body["content"]["thin_pages"] == 1
    assert body["content"]["languages"] == {"en": len(PAGES) - 1, "de": 1}
    assert body["content"]["near_duplicates"] == [{
        "page": audit.url + "blog/first-steps-again", "duplicate_of": audit.url + "blog/first-steps",
        "similarity": body["content"]["near_duplicates"][0]["similarity"]}]
    assert body["content"]["near_duplicates"][0]["similarity"] >= 95
    assert set(body["versions"]) >= {"trafilatura", "py3langid", "score"}


def test_a_page_of_another_analysis_is_not_found(api, audit, other_api):
    page = Page.objects.filter(job=audit).first()
    assert api.get(f"/api/v1/analyses/{audit.pk}/pages/999999").status_code == 404
    response = other_api.get(f"/api/v1/analyses/{audit.pk}/pages/{page.pk}")
    assert response.status_code == 404 and "markdown" not in response.json()
    assert other_api.get(f"/api/v1/analyses/{audit.pk}/content").status_code == 404


def test_a_page_that_declares_no_charset_is_decoded_right_through_the_crawler(
        api, shop, django_capture_on_commit_callbacks):
    from tests.support.http_server import Reply

    text = ("<html><head><title>Crème brûlée</title></head><body><main><h1>Crème brûlée</h1>"
            + "<p>Une crème brûlée à la française, préparée avec des œufs frais.</p>"
            + "".join(f"<p>Étape {n} : versez la crème dans {n} ramequins, puis laissez-les "
                      f"reposer {n * 5} minutes au réfrigérateur avant de caraméliser.</p>"
                      for n in range(1, 8))
            + "</main></body></html>")
    shop.route("/recette", Reply(200, text.encode("windows-1252"),
                                 {"Content-Type": "text/html"}))  # no charset anywhere
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/analyses", {"url": shop.url("/recette"), "max_pages": 1},
                            format="json")
    job = Job.objects.get(pk=response.json()["id"])
    page = Page.objects.get(job=job)
    body = api.get(f"/api/v1/analyses/{job.pk}/pages/{page.pk}").json()
    assert body["markdown"].startswith("# Crème brûlée")
    assert "préparée avec des œufs frais" in body["markdown"]
    assert body["content"]["language"] == "fr"
