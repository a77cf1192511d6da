"""Roles as seeded groups: staff (operators) read everything and cancel or retry anyone's
analyses, and change no user or plan; admin may do everything. Enforced in the API and
in Django admin; everyone else still sees only their own (404 for the rest)."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.accounts.models import Plan, User
from apps.jobs.models import Job, Status
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db) -> User:
    user = User.objects.create_user("ops@example.com", "operator passphrase 1", is_staff=True)
    user.groups.add(Group.objects.get(name="staff"))
    return user


@pytest.fixture
def operator_api(operator) -> APIClient:
    client = APIClient()
    client.force_authenticate(operator)
    return client


def test_the_groups_are_seeded_with_their_permissions():
    staff = {f"{p.content_type.app_label}.{p.codename}"
             for p in Group.objects.get(name="staff").permissions.select_related("content_type")}
    assert {"jobs.view_job", "analyses.view_finding", "accounts.view_user",
            "jobs.cancel_any_job", "jobs.retry_any_job"} <= staff
    assert not {"accounts.change_user", "accounts.change_plan", "jobs.delete_job",
                "accounts.add_user"} & staff
    admin = Group.objects.get(name="admin").permissions.count()
    assert admin > len(staff) and admin >= 4 * len({p.split(".")[0] for p in staff})


def test_an_operator_reads_cancels_and_retries_anyones_analysis(operator_api, user):
    queued = JobFactory(owner=user)
    failed = JobFactory(owner=user, status=Status.FAILED)
    assert operator_api.get(f"/api/v1/analyses/{queued.pk}").status_code == 200
    assert operator_api.get("/api/v1/analyses").json()["count"] == 0  # their own, by default
    everyone = operator_api.get("/api/v1/analyses?owner=all").json()
    assert everyone["count"] == 2
    assert operator_api.post(f"/api/v1/analyses/{queued.pk}/cancel").status_code == 202
    retried = operator_api.post(f"/api/v1/analyses/{failed.pk}/retry")
    assert retried.status_code == 201
    assert Job.objects.get(pk=retried.json()["id"]).owner == user  # on the owner's plan
    assert operator_api.delete(f"/api/v1/analyses/{failed.pk}").status_code == 404
    assert Job.objects.filter(pk=failed.pk).exists()


def test_a_user_without_the_role_still_gets_404(api, other_user):
    theirs = JobFactory(owner=other_user)
    assert api.get(f"/api/v1/analyses/{theirs.pk}").status_code == 404
    assert api.get("/api/v1/analyses?owner=all").json()["count"] == 0
    assert api.post(f"/api/v1/analyses/{theirs.pk}/cancel").status_code == 404


def test_in_admin_an_operator_views_and_cancels_but_changes_no_user_or_plan(
        client, operator, user):
    job = JobFactory(owner=user)
    client.force_login(operator)
    changelist = client.get("/admin/jobs/job/")
    assert changelist.status_code == 200 and b"cancel_jobs" in changelist.content
    answer = client.post("/admin/jobs/job/", {"action": "cancel_jobs",
                                              "_selected_action": [str(job.pk)]})
    assert answer.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.CANCELLED or job.cancel_requested
    assert client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200  # reads
    refused = client.post(f"/admin/accounts/user/{user.pk}/change/", {"email": "x@example.com"})
    assert refused.status_code == 403
    plan = Plan.default()
    assert client.post(f"/admin/accounts/plan/{plan.pk}/change/",
                       {"name": "free", "analyses_per_month": 1}).status_code == 403
    assert client.get("/api/v1/system/stats").status_code == 200  # operators see the stats
