"""List endpoints answer in a fixed number of queries: pinned, and not growing with rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import ApiKey
from tests.factories import (
    CredentialFactory,
    EventFactory,
    FindingFactory,
    JobFactory,
    PageFactory,
    RuleFailureFactory,
)

pytestmark = pytest.mark.django_db


def _queries(api, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


def _fill(user, job, n: int) -> None:
    for _ in range(n):
        retried = JobFactory(owner=user, status="failed")
        JobFactory(owner=user, retry_of=retried)
        page = PageFactory(job=job)
        FindingFactory(job=job, page=page, page_url=page.url)
        RuleFailureFactory(job=retried, page_url=page.url)
        EventFactory(job=job)
        ApiKey.generate(user=user, name="k")
        CredentialFactory(owner=user)


# (path, queries). Every request: the JWT's user and the plan (rate limit). Then:
ENDPOINTS = [
    # count, page, retries, finding counts, rule-failure groups and their page URLs
    ("/api/v1/analyses", 8),
    ("/api/v1/analyses/{job}/findings", 5),  # the job, count, page
    ("/api/v1/analyses/{job}/pages", 5),
    ("/api/v1/analyses/{job}/events", 4),  # the job, the events
    ("/api/v1/analyses/{job}/logs", 4),
    ("/api/v1/auth/api-keys", 3),  # the keys (not paginated)
    ("/api/v1/credentials", 4),  # count, page
]


@pytest.mark.parametrize("path, pinned", ENDPOINTS)
def test_a_list_endpoint_does_not_grow_with_its_rows(api, user, path, pinned):
    job = JobFactory(owner=user)
    url = path.format(job=job.pk)
    _fill(user, job, 2)
    few = _queries(api, url)
    _fill(user, job, 6)
    many = _queries(api, url)
    assert few == many == pinned
