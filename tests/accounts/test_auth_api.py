import base64
import json
from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts.models import ApiKey, User

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details", "request_id"}
    return body["error"]


def test_it_registers_a_user(anon_api):
    response = anon_api.post("/api/v1/auth/register", {"email": "New@Example.com", "password": PASSWORD},
                             format="json")
    assert response.status_code == 201
    assert response.json()["email"] == "new@example.com"
    assert User.objects.get(email="new@example.com").check_password(PASSWORD)


def test_it_refuses_a_duplicate_email(anon_api, user):
    response = anon_api.post("/api/v1/auth/register", {"email": user.email, "password": PASSWORD},
                             format="json")
    assert response.status_code == 400
    assert "email" in _error(response)["details"]


def test_it_refuses_a_weak_password(anon_api):
    response = anon_api.post("/api/v1/auth/register", {"email": "a@b.com", "password": "123"},
                             format="json")
    assert response.status_code == 400
    assert "password" in _error(response)["details"]


def test_it_answers_malformed_json_in_the_error_shape(anon_api):
    response = anon_api.post("/api/v1/auth/register", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed_request"


def test_it_issues_tokens_and_shows_me(anon_api, user):
    tokens = anon_api.post("/api/v1/auth/token", {"email": user.email, "password": PASSWORD},
                           format="json").json()
    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = anon_api.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert me.json()["plan"]["name"] == "free"


def test_it_refuses_a_wrong_password_with_401(anon_api, user):
    response = anon_api.post("/api/v1/auth/token", {"email": user.email, "password": "nope"},
                             format="json")
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"


def test_it_rotates_refresh_tokens_and_blacklists_the_old_one(anon_api, user):
    refresh = str(RefreshToken.for_user(user))
    first = anon_api.post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")
    assert first.status_code == 200
    assert first.json()["refresh"] != refresh
    again = anon_api.post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")
    assert again.status_code == 401
    _error(again)


def test_it_logs_out_by_blacklisting_the_refresh_token(anon_api, user):
    refresh = str(RefreshToken.for_user(user))
    assert anon_api.post("/api/v1/auth/logout", {"refresh": refresh}, format="json").status_code == 204
    response = anon_api.post("/api/v1/auth/token/refresh", {"refresh": refresh}, format="json")
    assert response.status_code == 401


def test_it_refuses_an_expired_access_token(anon_api, user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = anon_api.get("/api/v1/auth/me")
    assert response.status_code == 401
    _error(response)


def test_it_refuses_a_tampered_access_token(anon_api, user, other_user):
    header, payload, signature = str(AccessToken.for_user(user)).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["user_id"] = str(other_user.pk)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {header}.{forged}.{signature}")
    assert anon_api.get("/api/v1/auth/me").status_code == 401


def test_it_refuses_an_alg_none_token(anon_api, user):
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = json.loads(base64.urlsafe_b64decode(str(AccessToken.for_user(user)).split(".")[1] + "=="))
    anon_api.credentials(HTTP_AUTHORIZATION=f"Bearer {b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}.")
    assert anon_api.get("/api/v1/auth/me").status_code == 401


def test_it_requires_authentication(anon_api):
    response = anon_api.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert _error(response)["code"] == "not_authenticated"


def test_it_creates_an_api_key_shown_once_and_stored_hashed(api, user):
    response = api.post("/api/v1/auth/api-keys", {"name": "ci"}, format="json")
    assert response.status_code == 201
    raw = response.json()["key"]
    key = ApiKey.objects.get(user=user)
    assert key.key_hash == ApiKey.hash(raw) and raw not in key.key_hash
    assert response.json()["prefix"] == raw[: ApiKey.PREFIX_LENGTH]
    listed = api.get("/api/v1/auth/api-keys").json()
    assert "key" not in listed[0]


def test_it_authenticates_with_an_api_key(anon_api, user):
    key, raw = ApiKey.generate(user=user, name="ci")
    anon_api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert anon_api.get("/api/v1/auth/me").json()["email"] == user.email
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_it_refuses_a_revoked_api_key(api, anon_api, user):
    key, raw = ApiKey.generate(user=user, name="ci")
    assert api.delete(f"/api/v1/auth/api-keys/{key.pk}").status_code == 204
    anon_api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    response = anon_api.get("/api/v1/auth/me")
    assert response.status_code == 401
    _error(response)


def test_it_hides_another_users_api_key(other_api, user):
    key, _ = ApiKey.generate(user=user, name="ci")
    response = other_api.delete(f"/api/v1/auth/api-keys/{key.pk}")
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_it_accepts_paths_with_a_trailing_slash(api):
    assert api.get("/api/v1/auth/me/").status_code == 200
