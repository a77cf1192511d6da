"""/api/v1/credentials: saved site credentials, never shown again after creation."""

import pytest

from apps.accounts.models import Credential
from tests.factories import CredentialFactory

pytestmark = pytest.mark.django_db

SECRET = "hunter2-but-longer"


def test_it_saves_a_credential_encrypted_and_never_returns_the_secret(api):
    response = api.post("/api/v1/credentials", {
        "name": "staging", "origin": "HTTPS://Staging.Example.com:443/login?next=/",
        "kind": "header", "header": "Authorization", "value": f"Bearer {SECRET}"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "origin", "kind", "created_at", "last_used_at"}
    assert body["origin"] == "https://staging.example.com"
    stored = Credential.objects.get()
    assert SECRET not in stored.secret
    assert stored.request_headers() == {"Authorization": f"Bearer {SECRET}"}
    for path in ("/api/v1/credentials", f"/api/v1/credentials/{stored.pk}"):
        assert SECRET not in api.get(path).content.decode()


@pytest.mark.parametrize("payload, field", [
    ({"kind": "basic", "username": "ann"}, "password"),
    ({"kind": "header", "header": "Content-Length", "value": "1"}, "header"),
    ({"kind": "header", "header": "Bad Name", "value": "1"}, "header"),
    ({"kind": "cookie", "cookie": "a=b\nSet-Cookie: x"}, "cookie"),
    ({"kind": "cookie", "cookie": "a=b", "origin": "ftp://example.com"}, "origin"),
    ({"kind": "cookie", "cookie": "a=b", "secret_key": "x"}, "secret_key"),
])
def test_it_refuses_an_unusable_credential(api, payload, field):
    body = {"name": "x", "origin": "https://example.com", **payload}
    response = api.post("/api/v1/credentials", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert not Credential.objects.exists()


def test_other_users_credentials_are_404(api, other_user):
    theirs = CredentialFactory(owner=other_user)
    assert api.get(f"/api/v1/credentials/{theirs.pk}").status_code == 404
    assert api.delete(f"/api/v1/credentials/{theirs.pk}").status_code == 404
    assert api.get("/api/v1/credentials").json()["results"] == []
    assert Credential.objects.filter(pk=theirs.pk).exists()


def test_it_deletes_a_credential(api, user):
    mine = CredentialFactory(owner=user)
    assert api.delete(f"/api/v1/credentials/{mine.pk}").status_code == 204
    assert not Credential.objects.exists()


def test_the_admin_never_shows_the_secret(admin_client, user):
    credential = CredentialFactory(owner=user)
    listing = admin_client.get("/admin/accounts/credential/").content.decode()
    detail = admin_client.get(f"/admin/accounts/credential/{credential.pk}/change/").content.decode()
    assert "staging" in listing
    for page in (listing, detail):
        assert "s3cret-pass" not in page and credential.secret not in page
