"""Django admin as staff run the service from: every model reachable, the actions do
what they say, no secret on any page, and the `staff` role sees and does only what its
permissions allow."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client as PlainClient
from django.urls import reverse
from django.utils import timezone

from apps.accounts import crypto, usage
from apps.accounts.models import ApiKey, Credential, Plan, User
from apps.analyses.models import PageContent, PersonaReview, Report, ShareLink
from apps.analyses.services import share_link_create
from apps.core.models import MetricCounter
from apps.exports.models import Export, ExportStatus
from apps.jobs.models import Job, Status
from apps.notifications import webhooks
from apps.notifications.models import (
    DeliveryStatus,
    Notification,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.factories import (
    CredentialFactory,
    EventFactory,
    FindingFactory,
    JobFactory,
    PageFactory,
    RuleFailureFactory,
    UserFactory,
)
from tests.support.http_server import LocalHTTPServer
from tests.support.webhooks import Receiver

pytestmark = pytest.mark.django_db

OUR_APPS = {"core", "accounts", "jobs", "analyses", "exports", "notifications"}
REGISTERED = sorted(model._meta.label for model in admin.site._registry)
ROOT_PASSWORD = "root passphrase 1"
# What the `staff` role holds (as apps/accounts/migrations/0007_roles seeds it).
ROLE_APPS = ("accounts", "jobs", "analyses", "exports", "notifications", "core", "django_q")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser("root@example.com", ROOT_PASSWORD)


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client


@pytest.fixture
def staff_group(db) -> Group:
    """The seeded group; made again if a transactional test flushed the seed."""
    group, _ = Group.objects.get_or_create(name="staff")
    if not group.permissions.exists():
        every = Permission.objects.filter(content_type__app_label__in=ROLE_APPS)
        group.permissions.set([*every.filter(codename__startswith="view_"),
                               *every.filter(codename__in=["cancel_any_job", "retry_any_job"])])
    return group


@pytest.fixture
def operator(staff_group) -> User:
    user = User.objects.create_user("ops@example.com", "operator passphrase 1", is_staff=True)
    user.groups.add(staff_group)
    return user


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _action(client, model, action: str, rows) -> object:
    return client.post(_url(model, "changelist"),
                       {"action": action, "_selected_action": [str(row.pk) for row in rows]},
                       follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def secrets_(root):
    """One row of every model of ours, and the secrets some of them hold."""
    owner = UserFactory(email="owner@example.com")
    key, raw_key = ApiKey.generate(user=owner, name="ci")
    credential = CredentialFactory(owner=owner)
    job = JobFactory(owner=owner, credential=credential, status=Status.SUCCEEDED)
    page = PageFactory(job=job)
    EventFactory(job=job)
    FindingFactory(job=job, page=page, page_url=page.url)
    RuleFailureFactory(job=job)
    Report.objects.create(job=job, scores={"seo": 90})
    PageContent.objects.create(page=page, job=job, markdown="# Hello")
    PersonaReview.objects.create(job=job, persona={"name": "Ann"}, scores={"trust": 70},
                                 overall=70, weights={"trust": 1}, thresholds_version="t1")
    link, share_token = share_link_create(job=job, label="for the client")
    usage.count_analysis(owner)
    MetricCounter.objects.create(name="sitelens_test_total", value=1)
    Export.objects.create(owner=owner, job=job, analyses=[str(job.pk)], format="json",
                          expires_at=timezone.now() + timedelta(days=1))
    Notification.objects.create(user=owner, kind="analysis_completed", title="Done")
    secret = webhooks.new_secret()
    old_secret = webhooks.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        owner=owner, url="https://hooks.example.com/in", secret_encrypted=crypto.encrypt({"secret": secret}),
        previous_secret_encrypted=crypto.encrypt({"secret": old_secret}),
        previous_secret_expires_at=timezone.now() + timedelta(hours=1))
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, message_id="msg_1",
                                              event_type="ping", body="{}")
    WebhookAttempt.objects.create(delivery=delivery, number=1, status_code=500)
    Plan.default()
    return {
        "api key": raw_key, "api key hash": key.key_hash,
        "credential password": "s3cret-pass", "credential token": credential.secret,
        "webhook secret": secret, "previous webhook secret": old_secret,
        "webhook secret token": endpoint.secret_encrypted,
        "share token": share_token, "share token hash": link.token_hash,
        "password hash": owner.password,
        "password hash tail": owner.password.rsplit("$", 1)[-1],
    }


# -- every model ---------------------------------------------------------------------------

def test_every_model_of_ours_is_registered():
    from django.apps import apps

    ours = {model._meta.label for model in apps.get_models()
            if model._meta.app_label in OUR_APPS}
    assert ours - set(REGISTERED) == set()


@pytest.mark.parametrize("label", REGISTERED)
def test_every_changelist_and_a_change_page_answer(root_client, secrets_, label):
    from django.apps import apps

    model = apps.get_model(label)
    assert root_client.get(_url(model, "changelist")).status_code == 200
    row = model._default_manager.first()
    if model._meta.app_label in OUR_APPS:
        assert row is not None, f"the fixture made no {label}"
    if row is not None:
        assert root_client.get(_url(model, "change", row.pk)).status_code == 200


def test_no_secret_is_on_any_page_or_found_by_search(root_client, secrets_):
    pages = []
    for model in admin.site._registry:
        pages.append(root_client.get(_url(model, "changelist")).content.decode())
        for row in model._default_manager.all()[:5]:
            pages.append(root_client.get(_url(model, "change", row.pk)).content.decode())
    html = "\n".join(pages)
    assert len(pages) > 2 * len(admin.site._registry) - 10
    assert [name for name, value in secrets_.items() if value in html] == []
    for model in (ApiKey, Credential, WebhookEndpoint, User, ShareLink):
        for value in secrets_.values():
            found = root_client.get(_url(model, "changelist"), {"q": value})
            assert found.context["cl"].result_count == 0, (model, value)


# -- the admin site ------------------------------------------------------------------------

def test_the_index_names_the_site_and_links_the_worker_and_health_pages(root_client):
    html = root_client.get("/admin/").content.decode()
    assert "Sitelens administration" in html
    for url in ("/admin/django_q/schedule/", "/admin/django_q/success/",
                "/admin/django_q/failure/", "/admin/django_q/ormq/", "/readyz",
                "/api/v1/system/stats"):
        assert f'href="{url}"' in html, url
    assert "<script>" not in html  # the admin's CSP allows no inline script


def test_non_staff_are_sent_to_the_admin_login(client, user):
    assert client.get("/admin/").url.startswith("/admin/login/")
    client.force_login(user)
    answer = client.get("/admin/jobs/job/")
    assert answer.status_code == 302 and answer.url.startswith("/admin/login/")


def test_the_search_box_finds_jobs_by_url_and_owner(root_client, user):
    wanted = JobFactory(owner=user, url="http://wanted.example.com/")
    JobFactory(url="http://other.example.com/")
    for term in ("wanted.example", "alice@"):
        cl = root_client.get("/admin/jobs/job/", {"q": term}).context["cl"]
        assert [job.pk for job in cl.result_list] == [wanted.pk], term


def test_the_search_box_finds_users_by_e_mail(root_client, user, other_user):
    cl = root_client.get("/admin/accounts/user/", {"q": "mallory"}).context["cl"]
    assert list(cl.result_list) == [other_user]


# -- the job page --------------------------------------------------------------------------

def test_the_job_page_shows_the_last_events_newest_last_and_links_the_whole_log(root_client):
    job = JobFactory()
    for n in range(60):
        EventFactory(job=job, data={"message": f"event-{n:02}"})
    html = root_client.get(f"/admin/jobs/job/{job.pk}/change/").content.decode()
    shown = re.findall(r"event-(\d\d)", html)
    assert shown == [f"{n:02}" for n in range(10, 60)]
    assert "60 events" in html and f"/admin/jobs/jobevent/?job__id__exact={job.pk}" in html
    log = root_client.get("/admin/jobs/jobevent/", {"job__id__exact": str(job.pk)})
    assert log.context["cl"].result_count == 60


def test_the_job_page_shows_its_findings_and_counts_them_by_severity(root_client):
    job = JobFactory()
    FindingFactory(job=job, rule_id="image-alt", severity="critical")
    FindingFactory(job=job, rule_id="meta-description", severity="minor")
    html = root_client.get(f"/admin/jobs/job/{job.pk}/change/").content.decode()
    assert "image-alt" in html and "meta-description" in html
    assert "2 in all (1 critical, 0 serious, 0 moderate, 1 minor)" in html
    assert f"/admin/analyses/finding/?job__id__exact={job.pk}" in html


def test_the_user_page_shows_the_plan_and_this_months_usage(root_client, user):
    usage.count_analysis(user)
    usage.count_export(user)
    html = root_client.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    plan = Plan.default()
    assert f"{plan.name} (the default): {plan.analyses_per_month} analyses a month" in html
    assert f"1 analyses ({plan.analyses_per_month - 1} left), 1 exports" in html
    assert f"/admin/jobs/job/?owner__id__exact={user.pk}" in html


def test_plans_are_editable(root_client):
    plan = Plan.objects.create(name="pro", analyses_per_month=10)
    form = {"name": "pro", "analyses_per_month": 500, "max_pages_per_analysis": 1000,
            "max_concurrent_analyses": 5, "api_rate_per_minute": 600,
            "export_retention_days": 30, "webhook_endpoints": 20}
    answer = root_client.post(f"/admin/accounts/plan/{plan.pk}/change/", form)
    assert answer.status_code == 302
    plan.refresh_from_db()
    assert plan.analyses_per_month == 500


# -- actions -------------------------------------------------------------------------------

def test_cancel_cancels_a_queued_analysis(root_client):
    job = JobFactory()
    _action(root_client, Job, "cancel_jobs", [job])
    job.refresh_from_db()
    assert job.status == Status.CANCELLED


def test_retry_queues_a_new_analysis_for_a_failed_one(root_client):
    failed = JobFactory(status=Status.FAILED)
    _action(root_client, Job, "retry_jobs", [failed])
    retry = Job.objects.get(retry_of=failed)
    assert retry.status == Status.QUEUED and retry.owner == failed.owner


def test_deleting_a_job_deletes_its_inline_credential(root_client):
    credential = CredentialFactory(inline=True)
    job = JobFactory(owner=credential.owner, credential=credential, status=Status.FAILED)
    root_client.post("/admin/jobs/job/", {"action": "delete_selected", "post": "yes",
                                          "_selected_action": [str(job.pk)]})
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not Credential.objects.filter(pk=credential.pk).exists()


def _failed_export(**fields) -> Export:
    job = JobFactory(status=Status.SUCCEEDED)
    return Export.objects.create(owner=job.owner, job=job, analyses=[str(job.pk)], format="json",
                                 status=ExportStatus.FAILED, error="Boom",
                                 expires_at=timezone.now() + timedelta(days=1), **fields)


def test_rebuild_queues_a_failed_export_again_and_the_worker_builds_it(
        root_client, django_capture_on_commit_callbacks):
    export = _failed_export()
    with django_capture_on_commit_callbacks() as queued:
        _action(root_client, Export, "rebuild_exports", [export])
    export.refresh_from_db()
    assert export.status == ExportStatus.QUEUED and export.error == ""
    assert len(queued) == 1
    queued[0]()  # the build task (django-q2 runs it inline in the tests)
    export.refresh_from_db()
    assert export.status == ExportStatus.READY and export.size


def test_rebuild_refuses_a_ready_export_that_has_not_expired(root_client):
    export = _failed_export()
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.READY, error="")
    answer = _action(root_client, Export, "rebuild_exports", [export])
    export.refresh_from_db()
    assert export.status == ExportStatus.READY
    assert any("not expired" in message for message in _messages(answer))


def test_rebuild_takes_an_expired_export_with_a_fresh_expiry(root_client):
    export = _failed_export()
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.READY,
                                               expires_at=timezone.now() - timedelta(hours=1))
    _action(root_client, Export, "rebuild_exports", [export])
    export.refresh_from_db()
    assert export.status == ExportStatus.QUEUED and export.expires_at > timezone.now()


@pytest.fixture
def receiver(settings):
    with LocalHTTPServer() as server:
        settings.SITELENS_ALLOWED_TARGETS = server.authority
        yield Receiver(server)


def _endpoint(owner, url: str) -> tuple[WebhookEndpoint, str]:
    secret = webhooks.new_secret()
    endpoint = WebhookEndpoint.objects.create(owner=owner, url=url,
                                              secret_encrypted=crypto.encrypt({"secret": secret}))
    return endpoint, secret


def test_redeliver_sends_a_failed_delivery_again(root_client, user, receiver,
                                                 django_capture_on_commit_callbacks):
    endpoint, receiver.secret = _endpoint(user, receiver.url)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, message_id="msg_again",
                                              event_type="ping", body='{"type":"ping"}',
                                              status=DeliveryStatus.FAILED, attempts=8)
    with django_capture_on_commit_callbacks(execute=True):
        _action(root_client, WebhookDelivery, "redeliver_deliveries", [delivery])
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 9
    assert [message_id for message_id, _ in receiver.verified] == ["msg_again"]


def test_redeliver_reports_a_disabled_endpoint_per_row(root_client, user):
    endpoint, _ = _endpoint(user, "https://hooks.example.com/in")
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, message_id="msg_off",
                                              event_type="ping", body="{}",
                                              status=DeliveryStatus.FAILED)
    answer = _action(root_client, WebhookDelivery, "redeliver_deliveries", [delivery])
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert any(message.startswith("msg_off: This endpoint is disabled")
               for message in _messages(answer))


def test_disable_disables_an_endpoint_fails_its_pending_deliveries_and_tells_its_owner(
        root_client, user):
    endpoint, _ = _endpoint(user, "https://hooks.example.com/in")
    pending = WebhookDelivery.objects.create(endpoint=endpoint, message_id="msg_p",
                                             event_type="ping", body="{}")
    _action(root_client, WebhookEndpoint, "disable_endpoints", [endpoint])
    endpoint.refresh_from_db()
    pending.refresh_from_db()
    assert not endpoint.active and endpoint.disabled_reason == "an administrator disabled it"
    assert pending.status == DeliveryStatus.FAILED
    assert Notification.objects.get(user=user).kind == "webhook_disabled"


def test_deactivate_stops_sign_in_and_revokes_keys_but_never_yourself(client, root_client,
                                                                        root, user):
    key, _ = ApiKey.generate(user=user, name="ci")
    answer = _action(root_client, User, "deactivate_users", [user, root])
    user.refresh_from_db()
    root.refresh_from_db()
    key.refresh_from_db()
    assert not user.is_active and key.revoked_at is not None
    assert root.is_active
    assert any("cannot deactivate yourself" in message for message in _messages(answer))
    client.logout()
    assert not client.login(username="alice@example.com", password="correct horse battery")


def test_revoke_revokes_api_keys(root_client, user):
    key, _ = ApiKey.generate(user=user, name="ci")
    _action(root_client, ApiKey, "revoke_keys", [key])
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_revoke_revokes_share_links(root_client, user):
    link, _ = share_link_create(job=JobFactory(owner=user))
    _action(root_client, ShareLink, "revoke_links", [link])
    link.refresh_from_db()
    assert link.revoked_at is not None


# -- the staff role ------------------------------------------------------------------------

def test_staff_see_changelists_and_pages_read_only(operator_client, user):
    job = JobFactory(owner=user)
    for url in ("/admin/accounts/user/", f"/admin/accounts/user/{user.pk}/change/",
                "/admin/jobs/job/", f"/admin/jobs/job/{job.pk}/change/",
                "/admin/accounts/plan/", "/admin/django_q/schedule/"):
        answer = operator_client.get(url)
        assert answer.status_code == 200, url
        assert b'name="_save"' not in answer.content, url


def test_staff_may_not_edit_users_or_plans_nor_add_or_delete(operator_client, user):
    plan = Plan.default()
    job = JobFactory(owner=user)
    refused = [
        operator_client.post(f"/admin/accounts/user/{user.pk}/change/", {"email": "x@example.com"}),
        operator_client.get("/admin/accounts/user/add/"),
        operator_client.get(f"/admin/accounts/user/{user.pk}/password/"),
        operator_client.post(f"/admin/accounts/plan/{plan.pk}/change/", {"name": "x"}),
        operator_client.get("/admin/accounts/plan/add/"),
        operator_client.get(f"/admin/jobs/job/{job.pk}/delete/"),
    ]
    assert [answer.status_code for answer in refused] == [403] * len(refused)
    user.refresh_from_db()
    assert user.email == "alice@example.com"


def test_staff_are_not_offered_the_writing_actions_and_posting_one_does_nothing(
        operator_client, user):
    users = operator_client.get("/admin/accounts/user/").content
    assert b"deactivate_users" not in users
    assert b"rebuild_exports" not in operator_client.get("/admin/exports/export/").content
    assert b"redeliver_deliveries" not in \
        operator_client.get("/admin/notifications/webhookdelivery/").content
    assert b"disable_endpoints" not in \
        operator_client.get("/admin/notifications/webhookendpoint/").content
    answer = _action(operator_client, User, "deactivate_users", [user])
    assert answer.status_code == 200
    user.refresh_from_db()
    assert user.is_active


def test_staff_cancel_and_retry_analyses(operator_client, user):
    queued = JobFactory(owner=user)
    failed = JobFactory(owner=user, status=Status.FAILED)
    jobs = operator_client.get("/admin/jobs/job/").content
    assert b"cancel_jobs" in jobs and b"retry_jobs" in jobs
    _action(operator_client, Job, "cancel_jobs", [queued])
    _action(operator_client, Job, "retry_jobs", [failed])
    queued.refresh_from_db()
    assert queued.status == Status.CANCELLED
    assert Job.objects.get(retry_of=failed).status == Status.QUEUED


def test_the_index_shows_staff_the_worker_pages(operator_client):
    html = operator_client.get("/admin/").content.decode()
    assert 'href="/admin/django_q/failure/"' in html and 'href="/readyz"' in html


# -- query counts --------------------------------------------------------------------------

def _fill(n: int) -> None:
    for _ in range(n):
        job = JobFactory(owner=UserFactory())
        FindingFactory(job=job)


@pytest.mark.parametrize("path, pinned", [
    # session, user, unread notifications (the template context), count and full count,
    # the page of jobs with their owners, the kind filter's values, the date hierarchy (2)
    ("/admin/jobs/job/", 9),
    # session, user, unread notifications, count (no full count), the page of findings
    # with their jobs, the rule_id filter's values
    ("/admin/analyses/finding/", 6),
])
def test_a_changelist_does_not_grow_with_its_rows(root_client, django_assert_max_num_queries,
                                                  path, pinned):
    _fill(3)
    with django_assert_max_num_queries(pinned):
        assert root_client.get(path).status_code == 200
    _fill(20)
    with django_assert_max_num_queries(pinned):
        assert root_client.get(path).status_code == 200


def test_a_superuser_adds_a_user_who_can_sign_in(client, root_client):
    form = {"email": "New@Example.com", "password1": "a long new passphrase",
            "password2": "a long new passphrase", "usable_password": "true"}
    answer = root_client.post("/admin/accounts/user/add/", form)
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    client.logout()
    assert client.login(username="new@example.com", password="a long new passphrase")


def test_the_job_page_does_not_grow_with_its_events_and_findings(
        root_client, django_assert_max_num_queries):
    job = JobFactory()
    for _ in range(3):
        EventFactory(job=job)
        FindingFactory(job=job)
    # session, user, the job, its last events, its first findings, the content type (for
    # the history link), unread notifications, the owner (its link), the counts of
    # events, pages and retries, findings by severity, rule failures
    with django_assert_max_num_queries(13) as few:
        root_client.get(f"/admin/jobs/job/{job.pk}/change/")
    for _ in range(60):
        EventFactory(job=job)
        FindingFactory(job=job)
    with django_assert_max_num_queries(13) as many:
        root_client.get(f"/admin/jobs/job/{job.pk}/change/")
    assert len(few) == len(many)


def test_a_password_set_in_admin_ends_the_users_refresh_tokens(root_client, user):
    issued = PlainClient().post("/api/v1/auth/token", {"email": user.email,
                                                        "password": "correct horse battery"},
                                content_type="application/json").json()["refresh"]
    response = root_client.post(f"/admin/accounts/user/{user.pk}/password/",
                                {"password1": "a brand new passphrase 7",
                                 "password2": "a brand new passphrase 7",
                                 "usable_password": "true"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase 7")
    refused = PlainClient().post("/api/v1/auth/token/refresh", {"refresh": issued},
                                 content_type="application/json")
    assert refused.status_code == 401
