"""The account flows in the browser: sign up and verify the address, reset and change
the password (ending the other sessions and refresh tokens), the profile page."""

import re
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts import services, throttles, tokens
from apps.accounts.context import account_status
from apps.accounts.models import User
from apps.accounts.tokens import EmailVerificationTokenGenerator

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # the `user` fixture's
NEW_PASSWORD = "a brand new passphrase 7"
BASE_URL = "https://sitelens.test"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.SITELENS_BASE_URL = BASE_URL + "/"


@pytest.fixture
def mailed(django_capture_on_commit_callbacks):
    """Run a request and the e-mail tasks it enqueues after commit."""
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)
    return run


def _logged_in(user, password=PASSWORD) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": user.email,
                                            "password": password}).status_code == 302
    return client


def _link(message, path: str) -> str:
    found = re.search(rf"{re.escape(BASE_URL)}({re.escape(path)}\S+)", message.body)
    assert found, message.body
    return found.group(1)


def _refresh_refused(refresh: str) -> bool:
    response = Client().post("/api/v1/auth/token/refresh", {"refresh": refresh},
                             content_type="application/json")
    return response.status_code == 401


def test_it_signs_up_logs_in_and_sends_a_verification_link(client, mailed):
    response = mailed(client.post, "/accounts/signup/", {
        "email": "New@Example.com", "password1": "a long passphrase 1",
        "password2": "a long passphrase 1"})
    assert response.status_code == 302
    assert client.get("/accounts/profile").status_code == 200  # logged in
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]
    assert User.objects.get(email="new@example.com").email_verified_at is None


def test_the_verification_link_marks_the_address_verified(client, mailed):
    mailed(client.post, "/accounts/signup/", {"email": "new@example.com",
                                              "password1": "a long passphrase 1",
                                              "password2": "a long passphrase 1"})
    page = Client().get(_link(mail.outbox[0], "/accounts/verify-email/"))
    assert page.status_code == 200 and "new@example.com" in page.content.decode()
    assert User.objects.get(email="new@example.com").email_verified_at is not None


def test_a_verification_link_works_once(user):
    token = tokens.email_verification_token(user)
    assert Client().get(f"/accounts/verify-email/{token}").status_code == 200
    again = Client().get(f"/accounts/verify-email/{token}")
    assert again.status_code == 400 and "invalid or has expired" in again.content.decode()


@pytest.mark.parametrize("token", ["nonsense", "MQ.abc-def", "%2E%2E", "Zm9v.1-2",
                                   "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk.1-2"])  # > bigint
def test_a_malformed_or_forged_verification_link_is_a_400_page(user, token):
    response = Client().get(f"/accounts/verify-email/{token}")
    assert response.status_code == 400
    assert "<h1>Verification link not valid</h1>" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_an_expired_verification_link_is_refused(user):
    class FourDaysAgo(EmailVerificationTokenGenerator):
        def _now(self):
            return datetime.now() - timedelta(days=4)

    old = f"{tokens.uid_for(user)}.{FourDaysAgo().make_token(user)}"
    assert Client().get(f"/accounts/verify-email/{old}").status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_the_profile_resends_the_verification_link(user, mailed):
    client = _logged_in(user)
    page = client.get("/accounts/profile").content.decode()
    assert "not verified" in page and 'action="/accounts/verify-email/resend"' in page
    response = mailed(client.post, "/accounts/verify-email/resend")
    assert response.status_code == 302 and response["Location"] == "/accounts/profile"
    assert len(mail.outbox) == 1
    assert client.get(_link(mail.outbox[0], "/accounts/verify-email/")).status_code == 200
    assert "not verified" not in client.get("/accounts/profile").content.decode()


def test_a_verified_user_is_sent_no_new_link(user, mailed):
    user.mark_email_verified()
    mailed(_logged_in(user).post, "/accounts/verify-email/resend")
    assert mail.outbox == []


def test_links_stop_after_five_an_hour(shared_cache, user, mailed, monkeypatch):
    # Counted in clock hours: keep every request inside one.
    now = (time.time() // 3600) * 3600 + 1800
    monkeypatch.setattr(services, "time", SimpleNamespace(time=lambda: now))
    client = _logged_in(user)
    for _ in range(7):
        mailed(client.post, "/accounts/verify-email/resend")
    assert len(mail.outbox) == services.ACCOUNT_EMAILS_PER_HOUR


def test_the_banner_flag_is_set_for_a_logged_in_unverified_user_only(user, other_user):
    other_user.mark_email_verified()
    request = RequestFactory().get("/")
    request.user = user
    assert account_status(request) == {"email_unverified": True}
    request.user = other_user
    assert account_status(request) == {"email_unverified": False}


def test_the_profile_saves_the_name_and_the_e_mail_preference(user):
    client = _logged_in(user)
    response = client.post("/accounts/profile", {"name": "  Alice Liddell "})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.name == "Alice Liddell" and user.email_notifications is False
    page = client.get("/accounts/profile").content.decode()
    assert 'value="Alice Liddell"' in page and user.email in page


def test_the_account_pages_need_a_login(client):
    for path in ("/accounts/profile", "/accounts/password/change", "/accounts/api-keys"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _reset_request(email: str, mailed):
    client = Client()
    response = mailed(client.post, "/accounts/password/reset", {"email": email}, follow=True)
    return response.status_code, response.redirect_chain, response.content.decode()


def test_a_reset_request_answers_the_same_for_known_and_unknown_addresses(user, mailed):
    unknown = _reset_request("nobody@example.com", mailed)
    assert mail.outbox == []
    known = _reset_request(user.email, mailed)
    assert known == unknown
    assert known[1] == [("/accounts/password/reset/sent", 302)]
    assert "If that address has an account" in known[2]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]


def test_the_reset_link_sets_a_new_password_once(user, mailed):
    _reset_request(user.email.upper(), mailed)
    link = _link(mail.outbox[0], "/accounts/password/reset/")
    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    assert "set-password" in set_url  # the token left the URL (no Referer leak)
    done = client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "Reset link not valid" in Client().get(link).content.decode()


def test_the_reset_confirm_refuses_a_weak_password(user, mailed):
    _reset_request(user.email, mailed)
    client = Client()
    set_url = client.get(_link(mail.outbox[0], "/accounts/password/reset/"),
                         follow=True).redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200 and "field-error" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_reset_ends_every_session_and_refresh_token(user, mailed):
    elsewhere = _logged_in(user)
    refresh = str(RefreshToken.for_user(user))
    _reset_request(user.email, mailed)
    client = Client()
    set_url = client.get(_link(mail.outbox[0], "/accounts/password/reset/"),
                         follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert elsewhere.get("/accounts/profile").status_code == 302
    assert _refresh_refused(refresh)


def test_changing_the_password_keeps_this_session_and_ends_the_others(user):
    here, elsewhere = _logged_in(user), _logged_in(user)
    refresh = str(RefreshToken.for_user(user))
    response = here.post("/accounts/password/change", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/change/done"
    assert here.get("/accounts/profile").status_code == 200
    assert elsewhere.get("/accounts/profile").status_code == 302
    assert _refresh_refused(refresh)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_changes_nothing(user):
    client = _logged_in(user)
    refresh = str(RefreshToken.for_user(user))
    response = client.post("/accounts/password/change", {
        "old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 200 and "field-error" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not _refresh_refused(refresh)


def test_wrong_old_passwords_count_as_failed_logins(shared_cache, user, settings, monkeypatch):
    # Failed logins count in one-minute windows: keep all attempts inside one.
    now = (time.time() // 60) * 60 + 30
    monkeypatch.setattr(throttles, "time", SimpleNamespace(time=lambda: now))
    settings.SITELENS_FAILED_LOGINS_PER_MINUTE = 2
    client = Client()
    client.force_login(user)
    attempt = {"old_password": "no", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert [client.post("/accounts/password/change", attempt).status_code
            for _ in range(2)] == [200, 200]
    refused = client.post("/accounts/password/change", {**attempt, "old_password": PASSWORD})
    assert refused.status_code == 429 and "Retry-After" in refused
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_login_page_links_to_the_password_reset(client):
    assert 'href="/accounts/password/reset"' in client.get("/accounts/login/").content.decode()
