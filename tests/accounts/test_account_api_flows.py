"""The account flows in the API: password reset and change, e-mail verification; the
same e-mails and the same ends of sessions and refresh tokens as the web pages."""

import re

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts import tokens
from apps.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the `user` fixture's
NEW_PASSWORD = "a brand new passphrase 7"
BASE_URL = "https://sitelens.test"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.SITELENS_BASE_URL = BASE_URL


@pytest.fixture
def mailed(django_capture_on_commit_callbacks):
    """Run a request and the e-mail tasks it enqueues after commit."""
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)
    return run


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def _reset_codes(message) -> dict:
    return dict(re.findall(r"^(uid|token):\s+(\S+)$", message.body, re.MULTILINE))


def _refresh(refresh: str) -> int:
    return APIClient().post("/api/v1/auth/token/refresh", {"refresh": refresh},
                            format="json").status_code


def test_a_reset_for_a_known_address_is_e_mailed_with_a_link_and_the_codes(anon_api, user,
                                                                           mailed):
    response = mailed(anon_api.post, "/api/v1/auth/password/reset", {"email": user.email},
                      format="json")
    assert response.status_code == 202
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    codes = _reset_codes(mail.outbox[0])
    assert codes["uid"] == tokens.uid_for(user)
    link = f"{BASE_URL}/accounts/password/reset/{codes['uid']}/{codes['token']}"
    assert link in mail.outbox[0].body  # the web page, absolute


def test_a_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(anon_api, user,
                                                                         mailed):
    unknown = mailed(anon_api.post, "/api/v1/auth/password/reset",
                     {"email": "nobody@example.com"}, format="json")
    known = mailed(anon_api.post, "/api/v1/auth/password/reset", {"email": user.email},
                   format="json")
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert [message.to for message in mail.outbox] == [[user.email]]


def test_an_inactive_account_is_sent_no_reset(anon_api, user, mailed):
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = mailed(anon_api.post, "/api/v1/auth/password/reset", {"email": user.email},
                      format="json")
    assert response.status_code == 202 and mail.outbox == []


def test_the_reset_codes_set_a_new_password_and_end_the_refresh_tokens(anon_api, user,
                                                                     mailed):
    refresh = str(RefreshToken.for_user(user))
    mailed(anon_api.post, "/api/v1/auth/password/reset", {"email": user.email}, format="json")
    codes = _reset_codes(mail.outbox[0])
    response = anon_api.post("/api/v1/auth/password/reset/confirm",
                             {**codes, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert _refresh(refresh) == 401
    again = anon_api.post("/api/v1/auth/password/reset/confirm",
                          {**codes, "new_password": "yet another passphrase 9"}, format="json")
    assert again.status_code == 400 and "token" in _error(again)["details"]  # used once


@pytest.mark.parametrize("uid,token", [("MQ", "nope-nope"), ("!!", "x"), ("", "")])
def test_a_bad_reset_token_is_a_400_field_error(anon_api, user, uid, token):
    response = anon_api.post("/api/v1/auth/password/reset/confirm",
                             {"uid": uid or tokens.uid_for(user), "token": token or "1-2",
                              "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "invalid" and "token" in error["details"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_weak_new_password_is_a_400_field_error(anon_api, user):
    response = anon_api.post("/api/v1/auth/password/reset/confirm", {
        "uid": tokens.uid_for(user), "token": tokens.password_reset_token(user),
        "new_password": "12345678"}, format="json")
    assert response.status_code == 400
    assert "new_password" in _error(response)["details"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_registering_sends_a_verification_token_that_verifies(anon_api, mailed):
    response = mailed(anon_api.post, "/api/v1/auth/register",
                      {"email": "new@example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 201 and response.json()["email_verified_at"] is None
    token = re.search(r"^token: (\S+)$", mail.outbox[0].body, re.MULTILINE).group(1)
    assert f"{BASE_URL}/accounts/verify-email/{token}" in mail.outbox[0].body
    verified = anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json")
    assert verified.status_code == 200
    assert User.objects.get(email="new@example.com").email_verified_at is not None


def test_a_bad_verification_token_is_a_400_in_the_error_shape(anon_api, user):
    for token in ("nonsense", f"{tokens.uid_for(user)}.1-2"):
        response = anon_api.post("/api/v1/auth/verify-email", {"token": token}, format="json")
        assert response.status_code == 400
        error = _error(response)
        assert error["code"] == "invalid_token" and "token" in error["details"]
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_verification_token_works_once(anon_api, user):
    token = tokens.email_verification_token(user)
    assert anon_api.post("/api/v1/auth/verify-email", {"token": token},
                         format="json").status_code == 200
    assert anon_api.post("/api/v1/auth/verify-email", {"token": token},
                         format="json").status_code == 400


def test_resending_the_verification_needs_a_login_and_answers_202(anon_api, api, user, mailed):
    assert anon_api.post("/api/v1/auth/verify-email/resend").status_code == 401
    response = mailed(api.post, "/api/v1/auth/verify-email/resend")
    assert response.status_code == 202
    assert [message.to for message in mail.outbox] == [[user.email]]
    user.mark_email_verified()
    assert mailed(api.post, "/api/v1/auth/verify-email/resend").status_code == 202
    assert len(mail.outbox) == 1  # nothing more once verified


def test_changing_the_password_ends_the_refresh_tokens(api, user):
    refresh = str(RefreshToken.for_user(user))
    response = api.post("/api/v1/auth/password/change",
                        {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert _refresh(refresh) == 401


def test_a_wrong_old_password_is_a_400_field_error(api, user):
    refresh = str(RefreshToken.for_user(user))
    response = api.post("/api/v1/auth/password/change",
                        {"old_password": "not it", "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 400
    assert "old_password" in _error(response)["details"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert _refresh(refresh) == 200


def test_a_password_change_needs_a_login(anon_api):
    response = anon_api.post("/api/v1/auth/password/change",
                             {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                             format="json")
    assert response.status_code == 401


def test_a_session_that_changes_its_password_through_the_api_stays_logged_in(user):
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    response = here.post("/api/v1/auth/password/change",
                         {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
                         content_type="application/json")
    assert response.status_code == 204
    assert here.get("/accounts/profile").status_code == 200
    assert elsewhere.get("/accounts/profile").status_code == 302


def test_me_changes_the_name(api, user):
    response = api.patch("/api/v1/auth/me", {"name": "Alice"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Alice"
    user.refresh_from_db()
    assert user.name == "Alice" and user.email_notifications is True


def test_the_unauthenticated_endpoints_are_limited_per_address(shared_cache, anon_api, user,
                                                               settings):
    settings.SITELENS_ANON_RATE_PER_MINUTE = 2
    statuses = [anon_api.post("/api/v1/auth/password/reset", {"email": user.email},
                              format="json").status_code for _ in range(3)]
    assert statuses == [202, 202, 429]
    refused = anon_api.post("/api/v1/auth/verify-email", {"token": "x"}, format="json")
    assert refused.status_code == 429 and _error(refused)["code"] == "throttled"


def test_the_schema_documents_the_account_endpoints(anon_api):
    paths = anon_api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    expected = {"/api/v1/auth/password/reset": {"202", "400", "429"},
                "/api/v1/auth/password/reset/confirm": {"204", "400", "429"},
                "/api/v1/auth/password/change": {"204", "400", "401", "429"},
                "/api/v1/auth/verify-email": {"200", "400", "429"},
                "/api/v1/auth/verify-email/resend": {"202", "401", "429"}}
    for path, codes in expected.items():
        assert codes <= set(paths[path]["post"]["responses"]), path
