"""The API keys page: a new key is shown once, in the answer that made it; the list
never shows one; revoking works; another user's key is a 404."""

import re

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    return client


def _created_key(response) -> str:
    page = response.content.decode()
    found = re.search(r'<code class="secret" id="new-key">([^<]+)</code>', page)
    assert found, page
    assert '<button type="button" class="copy" data-copy="#new-key">Copy</button>' in page
    return found.group(1)


def _me_with(raw: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client.get("/api/v1/auth/me").status_code


def test_it_shows_a_new_key_once_and_only_its_hash_is_stored(browser, user):
    response = browser.post("/accounts/api-keys", {"name": "ci runner", "rate_per_minute": "30"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    raw = _created_key(response)
    key = ApiKey.objects.get(user=user)
    assert key.key_hash == ApiKey.hash(raw) and key.rate_per_minute == 30
    listing = browser.get("/accounts/api-keys").content.decode()
    assert raw not in listing and 'id="new-key"' not in listing
    assert "ci runner" in listing and key.prefix in listing
    assert raw not in str(dict(browser.session))


def test_the_new_key_works_with_the_api(browser):
    raw = _created_key(browser.post("/accounts/api-keys", {"name": "script"}))
    assert _me_with(raw) == 200


def test_a_rate_above_the_plan_is_a_form_error(browser, user):
    rate = user.get_plan().api_rate_per_minute
    response = browser.post("/accounts/api-keys", {"name": "x", "rate_per_minute": rate + 1})
    page = response.content.decode()
    assert response.status_code == 200 and 'class="field-error"' in page
    assert f"at most {rate} requests" in page and 'id="new-key"' not in page
    assert not ApiKey.objects.filter(user=user).exists()


def test_it_revokes_a_key(browser, user):
    key, raw = ApiKey.generate(user=user, name="old")
    listing = browser.get("/accounts/api-keys").content.decode()
    assert f'action="/accounts/api-keys/{key.pk}/revoke"' in listing
    assert 'data-confirm="Revoke this key?"' in listing
    response = browser.post(f"/accounts/api-keys/{key.pk}/revoke")
    assert response.status_code == 302 and response["Location"] == "/accounts/api-keys"
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert _me_with(raw) == 401
    row = re.search(rf'<tr id="api-key-{key.pk}">.*?</tr>',
                    browser.get("/accounts/api-keys").content.decode(), re.S).group(0)
    assert "revoked" in row and "/revoke" not in row


def test_revoking_needs_a_post(browser, user):
    key, _ = ApiKey.generate(user=user, name="old")
    assert browser.get(f"/accounts/api-keys/{key.pk}/revoke").status_code == 405
    key.refresh_from_db()
    assert key.revoked_at is None


def test_another_users_key_is_a_404(browser, other_user):
    theirs, raw = ApiKey.generate(user=other_user, name="theirs")
    assert browser.post(f"/accounts/api-keys/{theirs.pk}/revoke").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None and _me_with(raw) == 200
    assert "theirs" not in browser.get("/accounts/api-keys").content.decode()


def test_the_page_needs_a_login(client, user):
    assert client.get("/accounts/api-keys").status_code == 302
    assert client.post("/accounts/api-keys", {"name": "x"}).status_code == 302
    assert not ApiKey.objects.exists()
