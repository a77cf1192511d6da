"""Sites behind a login: crawled with a credential, refused without; the credential goes
to its origin only and is never echoed anywhere."""

import base64
import logging

import pytest
from django.test import override_settings

from apps.jobs.models import Job, Page, Status
from tests.support.http_server import LocalHTTPServer, Reply

pytestmark = pytest.mark.django_db

USER, PASSWORD = "ann", "s3cret-pass-9f2"
TOKEN = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def _page(*links: str) -> Reply:
    anchors = "".join(f'<a href="{link}">Page {link}</a>' for link in links)
    html = (f'<!doctype html><html lang="en"><head><title>Members area page</title></head>'
            f"<body><h1>Members</h1>{anchors}</body></html>")
    return Reply(200, html, {"Content-Type": "text/html; charset=utf-8"})


@pytest.fixture
def members_site():
    """Every page answers 401 unless the request carries ann's basic credentials."""
    pages = {"/": _page("/a", "/b"), "/a": _page("/b"), "/b": _page("/")}

    def handler(request):
        if request.headers.get("Authorization") != f"Basic {TOKEN}":
            return Reply(401, "login required", {"WWW-Authenticate": 'Basic realm="m"'})
        return pages.get(request.path, Reply(404, "no"))

    with LocalHTTPServer() as server:
        server.route("/robots.txt", Reply(200, "User-agent: *\nAllow: /\n",
                                          {"Content-Type": "text/plain"}))
        server.route("*", handler)
        with override_settings(SITELENS_ALLOWED_TARGETS=server.authority):
            yield server


def _create(api, payload, capture):
    with capture(execute=True):
        response = api.post("/api/v1/analyses", payload, format="json")
    assert response.status_code == 201, response.content
    return Job.objects.get(pk=response.json()["id"])


def test_it_crawls_a_site_behind_basic_auth_with_a_saved_credential(
        api, members_site, django_capture_on_commit_callbacks):
    created = api.post("/api/v1/credentials", {
        "name": "members", "origin": members_site.url("/anything"), "kind": "basic",
        "username": USER, "password": PASSWORD}, format="json")
    assert created.status_code == 201, created.content
    job = _create(api, {"url": members_site.url("/"), "credential": created.json()["id"]},
                  django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    assert sorted(Page.objects.filter(job=job).values_list("status_code", flat=True)) == [200] * 3
    assert api.get("/api/v1/credentials").json()["results"][0]["last_used_at"] is not None


def test_without_the_credential_the_site_refuses(api, members_site,
                                                 django_capture_on_commit_callbacks):
    job = _create(api, {"url": members_site.url("/")}, django_capture_on_commit_callbacks)
    assert list(Page.objects.filter(job=job).values_list("status_code", flat=True)) == [401]


def test_a_redirect_to_another_origin_does_not_carry_the_credential(
        api, django_capture_on_commit_callbacks):
    with LocalHTTPServer() as elsewhere, LocalHTTPServer() as start:
        elsewhere.route("*", _page())
        start.route("/robots.txt", Reply(404))
        start.route("/", Reply(302, headers={"Location": elsewhere.url("/landing")}))
        with override_settings(SITELENS_ALLOWED_TARGETS=f"{start.authority},{elsewhere.authority}"):
            job = _create(api, {"url": start.url("/"), "max_pages": 3,
                                "auth": {"kind": "header", "header": "X-Api-Token",
                                         "value": PASSWORD}},
                          django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED
    start_requests = [r for r in start.requests if r.path == "/"]
    assert start_requests and all(r.headers.get("X-Api-Token") == PASSWORD
                                  for r in start_requests)
    assert elsewhere.requests  # the redirect was followed...
    assert all("X-Api-Token" not in r.headers and PASSWORD not in str(r.headers)
               for r in elsewhere.requests)  # ...without the credential


def test_no_response_event_or_log_line_of_the_run_shows_the_secret(
        api, members_site, django_capture_on_commit_callbacks, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    job = _create(api, {"url": members_site.url("/"),
                        "auth": {"kind": "basic", "username": USER, "password": PASSWORD}},
                  django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED and job.pages_done == 3
    base = f"/api/v1/analyses/{job.pk}"
    bodies = [api.get(path).content.decode() for path in (
        base, f"{base}/pages", f"{base}/findings", f"{base}/events", f"{base}/logs",
        f"{base}/logs?format=text", f"{base}/status", "/api/v1/analyses", "/api/v1/credentials",
        f"/api/v1/credentials/{job.credential_id}")]
    bodies += [str(event.data) for event in job.events.all()]
    bodies += [record.getMessage() for record in caplog.records]
    bodies += [str(job.options), capsys.readouterr().err]
    for text in bodies:
        assert PASSWORD not in text and TOKEN not in text
    assert job.credential.secret and PASSWORD not in job.credential.secret  # encrypted at rest
