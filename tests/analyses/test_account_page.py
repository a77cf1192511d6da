"""The account page: plan, this month's usage, API keys (never a key itself)."""

import pytest

from apps.accounts.models import ApiKey
from tests.analyses.personas.test_shop_review import analyse

pytestmark = pytest.mark.django_db


def test_it_shows_this_months_usage_and_the_keys(client, api, user, shop, settings,
                                                 django_capture_on_commit_callbacks):
    settings.SITELENS_ALLOWED_TARGETS = shop.authority
    job = analyse(api, shop, django_capture_on_commit_callbacks)
    key, raw = ApiKey.generate(user=user, name="ci runner", rate_per_minute=30)
    client.force_login(user)
    page = client.get("/account").content.decode()
    usage = api.get("/api/v1/usage").json()
    assert f'<span id="usage-analyses">{usage["analyses"]}</span>' in page
    assert f'<td id="usage-pages">{job.pages_done}</td>' in page
    assert usage["resets_at"][:10] in page
    assert "ci runner" in page and key.prefix in page and "30 requests a minute" in page
    assert raw not in page


def test_it_needs_a_login(client):
    assert client.get("/account").status_code == 302
