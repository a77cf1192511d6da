"""Notifications and e-mail on the real pipeline (django-q2 sync mode, locmem e-mail)."""

import pytest
from django.core import mail

from apps.notifications.models import Notification
from tests.analyses.personas.test_shop_review import analyse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_a_completed_analysis_notifies_in_app_and_by_e_mail(api, user, shop,
                                                            django_capture_on_commit_callbacks):
    job = analyse(api, shop, django_capture_on_commit_callbacks)
    (notification,) = Notification.objects.filter(user=user)
    assert notification.kind == "analysis_completed"
    assert notification.title == f"Analysis of {job.url} completed"
    assert f"{job.pages_done} pages analysed" in notification.body and "Scores:" in notification.body
    assert notification.data["analysis"] == str(job.pk)
    (email,) = mail.outbox
    assert email.to == [user.email] and email.subject == f"Sitelens: {notification.title}"
    assert f"/analyses/{job.pk}" in email.body
    html, media = email.alternatives[0]
    assert media == "text/html" and "<h1" in html and notification.title in html


def test_a_failed_analysis_notifies_with_the_reason(api, user, settings,
                                                    django_capture_on_commit_callbacks):
    from tests.support.http_server import LocalHTTPServer

    with LocalHTTPServer() as server:
        port = server.port
    settings.SITELENS_ALLOWED_TARGETS = f"127.0.0.1:{port}"
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/analyses", {"url": f"http://127.0.0.1:{port}/"}, format="json")
    (notification,) = Notification.objects.filter(user=user)
    assert notification.kind == "analysis_failed" and "It stopped after 0 pages" in \
        notification.body
    assert mail.outbox[0].subject.endswith("failed")


def test_no_e_mail_when_the_user_turned_it_off(api, user, shop,
                                               django_capture_on_commit_callbacks):
    response = api.patch("/api/v1/auth/me", {"email_notifications": False}, format="json")
    assert response.status_code == 200 and response.json()["email_notifications"] is False
    assert api.patch("/api/v1/auth/me", {"email_notifications": "maybe"},
                     format="json").status_code == 400
    analyse(api, shop, django_capture_on_commit_callbacks)
    assert Notification.objects.filter(user=user).count() == 1
    assert mail.outbox == []


def test_an_export_ready_notification(api, user, shop, django_capture_on_commit_callbacks):
    job = analyse(api, shop, django_capture_on_commit_callbacks, exports=["csv"])
    kinds = list(Notification.objects.filter(user=user).values_list("kind", flat=True))
    assert sorted(kinds) == ["analysis_completed", "export_ready"]
    ready = Notification.objects.get(user=user, kind="export_ready")
    assert ready.data["format"] == "csv" and ready.data["analysis"] == str(job.pk)
    assert api.get(ready.data["download"]).status_code == 200


def test_the_api_lists_counts_and_marks_read_only_my_notifications(
        api, other_api, user, other_user, shop, django_capture_on_commit_callbacks):
    analyse(api, shop, django_capture_on_commit_callbacks, exports=["json"])
    theirs = Notification.objects.create(user=other_user, kind="analysis_completed", title="x")
    listed = api.get("/api/v1/notifications").json()
    assert listed["count"] == 2 and all(n["read"] is False for n in listed["results"])
    assert listed["results"][0]["kind"] == "export_ready"  # newest first
    assert api.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    first = listed["results"][0]["id"]
    refused = api.post("/api/v1/notifications/mark-read", {"ids": [first, theirs.pk]},
                       format="json")
    assert refused.status_code == 404
    assert api.get("/api/v1/notifications/unread-count").json() == {"unread": 2}
    assert api.post("/api/v1/notifications/mark-read", {"ids": [first]},
                    format="json").json() == {"unread": 1}
    assert [n["id"] for n in api.get("/api/v1/notifications?unread=true").json()["results"]] \
        != [first]
    assert api.post("/api/v1/notifications/mark-read", {"all": True},
                    format="json").json() == {"unread": 0}
    assert api.post("/api/v1/notifications/mark-read", {}, format="json").status_code == 400
    assert api.get("/api/v1/notifications?unread=perhaps").status_code == 400
    assert other_api.get("/api/v1/notifications/unread-count").json() == {"unread": 1}


def test_the_header_shows_the_unread_badge(client, user, shop, api,
                                           django_capture_on_commit_callbacks):
    analyse(api, shop, django_capture_on_commit_callbacks)
    client.force_login(user)
    page = client.get("/notifications").content.decode()
    assert 'aria-label="1 unread"' in page and "completed" in page
    client.post("/notifications/read")
    assert "unread" not in client.get("/").content.decode().split("</header>")[0]
