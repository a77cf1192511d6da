"""/api/v1/system/*, /healthz, /readyz and the API docs. A live qcluster making /readyz
answer 200 is checked end to end (tests/e2e/test_live_stack.py)."""

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage
from django_q.status import Stat, Status

from apps.core.system import live_clusters
from apps.jobs.models import Status as JobStatus
from apps.notifications.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.factories import JobFactory, PageFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/system/ping", "/healthz"])
def test_ping_needs_nothing(anon_api, path):
    response = anon_api.get(path)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_health_times_each_dependency(anon_api, shared_cache):
    body = anon_api.get("/api/v1/system/health").json()
    checks = body["checks"]
    assert set(checks) == {"database", "cache", "broker", "workers"}
    assert checks["database"]["ok"] and checks["cache"]["ok"] and checks["broker"]["ok"]
    assert checks["cache"]["backend"] == "DatabaseCache"
    assert all(check["latency_ms"] >= 0 for check in checks.values())
    # No qcluster runs in this test: the service is degraded, and says why.
    assert body["status"] == "degraded" and not checks["workers"]["ok"]
    assert "no qcluster heartbeat" in checks["workers"]["error"]
    assert body["process"]["pid"] > 0


@pytest.mark.parametrize("path", ["/api/v1/system/ready", "/readyz"])
def test_not_ready_without_a_worker_names_it(anon_api, shared_cache, path):
    response = anon_api.get(path)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "not_ready" and "workers" in error["message"]
    assert error["details"]["database"]["ok"] is True


def test_a_cache_that_keeps_nothing_is_reported(anon_api):
    # The test settings' DummyCache forgets every write, like a cache that is down.
    checks = anon_api.get("/api/v1/system/health").json()["checks"]
    assert checks["cache"]["ok"] is False


def test_version(anon_api):
    body = anon_api.get("/api/v1/system/version").json()
    assert body["version"] == "0.1.0" and re.fullmatch(r"\d+\.\d+.*", body["django"])
    assert body["commit"] is None or re.fullmatch(r"[0-9a-f]{40}", body["commit"])


def test_stats_are_for_staff_only(anon_api, api, user, admin_user):
    assert anon_api.get("/api/v1/system/stats").status_code == 401
    assert api.get("/api/v1/system/stats").status_code == 403
    done = JobFactory(owner=user, status=JobStatus.SUCCEEDED)
    JobFactory(owner=user)
    PageFactory(job=done)
    PageFactory(job=done)
    endpoint = WebhookEndpoint.objects.create(owner=user, url="http://127.0.0.1:9/",
                                              secret_encrypted="x")
    for status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.SUCCEEDED, DeliveryStatus.SUCCEEDED,
                   DeliveryStatus.FAILED, DeliveryStatus.PENDING):
        WebhookDelivery.objects.create(endpoint=endpoint, message_id="m", event_type="ping",
                                       body="{}", status=status)
    staff = api.__class__()
    staff.force_authenticate(admin_user)
    body = staff.get("/api/v1/system/stats").json()
    assert body["users"]["total"] == 2  # alice and the admin
    assert body["analyses"]["by_status"]["succeeded"] == 1
    assert body["analyses"]["by_status"]["queued"] == 1
    assert body["analyses"]["total"] == 2 and body["analyses"]["pages_crawled"] == 2
    assert body["webhooks"]["success_rate"] == 0.75  # of those that ended
    assert body["webhooks"]["deliveries"]["pending"] == 1
    assert body["queue"]["queued"] >= 0


def test_redoc_and_swagger_are_served_from_here(anon_api):
    for path in ("/api/redoc/", "/api/docs/"):
        page = anon_api.get(path).content.decode()
        assert "cdn.jsdelivr.net" not in page and "/static/drf_spectacular_sidecar/" in page


def test_the_container_health_command(shared_cache):
    out = io.StringIO()
    call_command("health", stdout=out)
    assert json.loads(out.getvalue())["database"]["ok"] is True
    with pytest.raises(CommandError, match="this_worker"):  # no qcluster on this host
        call_command("health", "--worker", stdout=io.StringIO())


def test_a_dead_cluster_listed_first_does_not_hide_a_live_one(anon_api, shared_cache):
    # What the shared cache holds just after a qcluster died: its entry in django-q's
    # list of clusters, its stat expired; the live cluster listed after it.
    broker = get_broker()
    live = Status(pid=4242, cluster_id="live-cluster")
    broker.cache.set(Conf.Q_STAT, [Stat.get_key("dead-cluster"), Stat.get_key("live-cluster")])
    broker.cache.set(Stat.get_key("live-cluster"), SignedPackage.dumps(live, True), 30)
    assert [stat.cluster_id for stat in live_clusters()] == ["live-cluster"]
    ready = anon_api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["workers"]["clusters"] == 1
