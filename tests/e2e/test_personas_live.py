"""A focus group through real processes (daphne + qcluster), and the site's content
streamed as Markdown by daphne."""

import pytest
import requests
from rest_framework_simplejwt.tokens import AccessToken

from tests.analyses.personas.test_shop_review import NOVICE
from tests.e2e.conftest import free_port
from tests.support.shop import PAGES

pytestmark = pytest.mark.e2e


def _wait_finished(base, job_id, auth, timeout=90):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = requests.get(f"{base}/api/v1/analyses/{job_id}/status", headers=auth,
                              timeout=10).json()
        if status["finished_at"]:
            return status
        time.sleep(0.3)
    raise AssertionError("the analysis did not finish")


def test_a_focus_group_runs_in_the_worker_and_the_content_streams(processes, shop, user):
    port = free_port()
    processes.daphne(port)
    processes.qcluster()
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}
    response = requests.post(f"{base}/api/v1/analyses", headers=auth, timeout=10, json={
        "url": shop.url("/"), "kind": "focus_group", "persona": NOVICE, "num_variations": 4})
    assert response.status_code == 201, response.text
    job_id = response.json()["id"]
    assert _wait_finished(base, job_id, auth)["status"] == "succeeded"

    personas = requests.get(f"{base}/api/v1/analyses/{job_id}/personas", headers=auth,
                            timeout=10).json()
    assert [m["member"] for m in personas["members"]] == [0, 1, 2, 3]
    assert personas["summary"]["members"] == 4

    with requests.get(f"{base}/api/v1/analyses/{job_id}/content", headers=auth, stream=True,
                      timeout=30) as stream:
        assert stream.status_code == 200
        assert stream.headers["Content-Type"] == "text/markdown; charset=utf-8"
        assert "content-length" not in {k.lower() for k in stream.headers}  # streamed
        document = b"".join(stream.iter_content(8192)).decode()
    assert document.count("\nSource: <") == len(PAGES)
    assert "| Pro | £45 | £190 |" in document
