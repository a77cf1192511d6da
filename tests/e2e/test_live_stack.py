"""The whole product through real processes: HTTP API on daphne, a qcluster worker,
the WebSocket stream in another process than the worker (embedded default: the
consumer tails the event table)."""

import asyncio
import json
import os
import signal

import pytest
import requests
import websockets
from prometheus_client.parser import text_string_to_metric_families
from rest_framework_simplejwt.tokens import AccessToken

from tests.e2e.conftest import free_port, wait_for

pytestmark = pytest.mark.e2e


async def _collect(url: str, headers: dict, *, stop_after: int | None = None) -> list[dict]:
    received = []
    async with websockets.connect(url, additional_headers=headers, open_timeout=10) as ws:
        while True:
            try:
                message = await asyncio.wait_for(ws.recv(), timeout=60)
            except websockets.ConnectionClosedOK:
                return received
            received.append(json.loads(message))
            if stop_after is not None and len(received) >= stop_after:
                return received


@pytest.mark.parametrize("layout", [
    "embedded",  # ORM broker; the consumer tails the event table
    pytest.param("redis", marks=pytest.mark.redis),  # Redis broker + channels-redis wake-ups
])
def test_it_runs_an_audit_through_api_worker_and_websocket(processes, site, user, layout):
    if layout == "redis":
        processes.extra_env.update(REDIS_URL=os.environ["REDIS_TEST_URL"],
                                   SITELENS_BROKER="redis")
    port = free_port()
    processes.daphne(port)
    cluster = processes.qcluster(LOG_LEVEL="INFO")
    token = str(AccessToken.for_user(user))
    auth = {"Authorization": f"Bearer {token}"}

    refused = requests.post(f"http://127.0.0.1:{port}/api/v1/analyses",
                            headers={**auth, "X-Request-ID": "e2e-trace-1"},
                            json={"url": "ftp://nowhere"}, timeout=10)
    assert refused.status_code == 400 and refused.headers["X-Request-ID"] == "e2e-trace-1"
    assert refused.json()["error"]["request_id"] == "e2e-trace-1"
    response = requests.post(f"http://127.0.0.1:{port}/api/v1/analyses", headers=auth,
                             json={"url": site.url, "max_pages": 30, "max_depth": 3}, timeout=10)
    assert response.status_code == 201, response.text
    job_id = response.json()["id"]
    ws_url = f"ws://127.0.0.1:{port}/ws/v1/analyses/{job_id}/"

    # A first client leaves after a few events; it reconnects with ?after= and the
    # two halves together must be the complete log: no gap, no duplicate.
    first = asyncio.run(_collect(ws_url, auth, stop_after=5))
    rest = asyncio.run(_collect(f"{ws_url}?after={first[-1]['id']}", auth))
    events = first + rest
    ids = [e["id"] for e in events]
    assert ids == sorted(set(ids))
    assert events[-1]["type"] == "completed"

    stored = requests.get(f"http://127.0.0.1:{port}/api/v1/analyses/{job_id}/events?limit=500",
                          headers=auth, timeout=10).json()["results"]
    assert [e["id"] for e in stored] == ids
    kinds = {e["type"] for e in events}
    assert {"status", "progress", "page", "finding", "log", "completed"} <= kinds

    detail = requests.get(f"http://127.0.0.1:{port}/api/v1/analyses/{job_id}", headers=auth,
                          timeout=10).json()
    assert detail["status"] == "succeeded"
    assert detail["pages_done"] == sum(1 for e in events if e["type"] == "page")
    assert sum(detail["findings"].values()) > 0

    # daphne's log is JSON lines, the refused request's carrying its id; the worker's
    # lines name the analysis.
    web_lines = [json.loads(line) for line in processes.log("daphne").splitlines()
                 if line.startswith("{")]
    assert any(line.get("request_id") == "e2e-trace-1" and line["level"] == "WARNING"
               for line in web_lines), processes.log("daphne")[-3000:]
    worker_lines = [json.loads(line) for line in processes.log("qcluster").splitlines()
                    if line.startswith("{")]
    assert any(line.get("analysis_id") == job_id for line in worker_lines)

    # What the worker process counted reaches the web process's /metrics (through the
    # database), as a Prometheus parser reads it.
    scraped = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    found = {sample.name: sample.value for family in text_string_to_metric_families(scraped)
             for sample in family.samples if not sample.labels}
    assert found["sitelens_pages_crawled_total"] == detail["pages_done"]
    assert found["sitelens_crawl_fetch_seconds_count"] > 0

    # The web process sees the worker's heartbeat through the shared cache: ready.
    def ready():
        answer = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        return answer if answer.status_code == 200 else None

    checks = wait_for(ready, timeout=30, what="/readyz to answer 200").json()["checks"]
    assert checks["workers"]["clusters"] == 1 and checks["workers"]["workers"] >= 1
    assert checks["cache"]["backend"] == ("RedisCache" if layout == "redis" else
                                          "DatabaseCache")
    os.killpg(cluster.pid, signal.SIGKILL)  # the worker dies: its heartbeat stops
    cluster.wait(timeout=30)
    wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
             .status_code == 503, timeout=30, what="/readyz to notice the worker is gone")


def test_it_refuses_websockets_without_auth_or_from_a_foreign_origin(processes, site, user):
    port = free_port()
    processes.daphne(port)
    token = str(AccessToken.for_user(user))
    from apps.jobs.models import Job

    job = Job.objects.create(owner=user, url=site.url + "/", options={})
    url = f"ws://127.0.0.1:{port}/ws/v1/analyses/{job.pk}/"

    async def attempt(headers, origin=None):
        try:
            async with websockets.connect(url, additional_headers=headers, origin=origin,
                                          open_timeout=10):
                pass
        except websockets.ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd else None
        except websockets.InvalidStatus as exc:
            return exc.response.status_code
        return "open"

    # A consumer that closes before accepting makes daphne reject the handshake (403).
    assert asyncio.run(attempt({})) == 403
    assert asyncio.run(attempt({"Authorization": f"Bearer {token}"},
                               origin="https://evil.example")) == 403
    assert asyncio.run(attempt({"Authorization": f"Bearer {token}"},
                               origin=f"http://127.0.0.1:{port}")) == "open"
