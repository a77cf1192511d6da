"""The production topology, natively (no Docker here): PostgreSQL (data and the ORM
broker) + Redis (channel layer, shared cache) + 2 daphne + 2 qcluster processes on
loopback. 20 analyses submitted at once through both web processes all succeed with each
page stored once; WebSocket clients on the *other* web process get every event; /readyz
is 200 on both; and a worker killed mid-run costs nothing."""

import asyncio
import json
import os
import signal
import threading

import pytest
import requests
import websockets
from django.utils import timezone
from django_q.models import Schedule
from rest_framework_simplejwt.tokens import AccessToken

from apps.accounts.models import Plan
from apps.jobs.models import Job, JobEvent, Page, Status
from tests.e2e.conftest import free_port, wait_for
from tests.support.testsite import TestSite

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.postgres]

ANALYSES = 20


@pytest.fixture
def slow_site(settings):
    with TestSite(latency=0.05) as site:
        settings.SITELENS_ALLOWED_TARGETS = site.host_port
        yield site


async def _follow(url: str, headers: dict) -> list[dict]:
    """Every event of one analysis from its beginning, until the server closes."""
    received = []
    async with websockets.connect(url, additional_headers=headers, open_timeout=10) as ws:
        while True:
            try:
                received.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=120)))
            except websockets.ConnectionClosedOK:
                return received


def test_two_web_and_two_worker_processes_share_the_work_and_survive_a_worker_kill(
        processes, slow_site, user):
    user.plan = Plan.objects.create(name="stack", analyses_per_month=1000,
                                    max_concurrent_analyses=50, api_rate_per_minute=1000)
    user.save()
    processes.extra_env.update(REDIS_URL=os.environ["REDIS_TEST_URL"], SITELENS_BROKER="orm",
                               SITELENS_HEARTBEAT_SECONDS="2", SITELENS_JOB_STALE_SECONDS="20",
                               SITELENS_QUEUED_STALE_SECONDS="30")
    # The recovery sweep's schedule (a migration makes it; this transactional test's
    # database was flushed since), every minute from now.
    Schedule.objects.update_or_create(
        func="apps.jobs.tasks.recover_stale_jobs",
        defaults={"name": "recover-stale-jobs", "schedule_type": Schedule.MINUTES,
                  "minutes": 1, "repeats": -1, "next_run": timezone.now()})
    ports = [free_port(), free_port()]
    for port in ports:
        processes.daphne(port)
    clusters = [processes.qcluster(), processes.qcluster()]
    auth = {"Authorization": f"Bearer {AccessToken.for_user(user)}"}

    # 20 at once, alternating between the two web processes.
    answers = [None] * ANALYSES
    barrier = threading.Barrier(ANALYSES)

    def submit(i):
        barrier.wait()
        answers[i] = requests.post(f"http://127.0.0.1:{ports[i % 2]}/api/v1/analyses",
                                   headers=auth, json={"url": slow_site.url, "max_pages": 12,
                                                       "max_depth": 3, "concurrency": 2},
                                   timeout=60)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(ANALYSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert [a.status_code for a in answers] == [201] * ANALYSES, [a.text for a in answers]
    ids = [a.json()["id"] for a in answers]

    # Four clients follow an analysis on the web process that did not create it.
    followed = {}

    def follow(i):
        url = f"ws://127.0.0.1:{ports[(i + 1) % 2]}/ws/v1/analyses/{ids[i]}/"
        followed[ids[i]] = asyncio.run(_follow(url, auth))

    followers = [threading.Thread(target=follow, args=(i,)) for i in range(4)]
    for thread in followers:
        thread.start()

    # Kill the worker process of the first running analysis, and its cluster.
    running = wait_for(lambda: Job.objects.filter(pk__in=ids, status=Status.RUNNING).first(),
                       timeout=60, what="an analysis to start")
    victim_pid = int(running.worker.split(":")[1])
    victim = next((c for c in clusters if _in_group(victim_pid, c.pid)), None)
    assert victim is not None, "the running analysis's worker belongs to no cluster"
    os.killpg(victim.pid, signal.SIGKILL)

    def all_ended():
        return Job.objects.filter(pk__in=ids, status__in=[Status.SUCCEEDED, Status.FAILED,
                                                          Status.CANCELLED]).count() == ANALYSES

    wait_for(all_ended, timeout=300, what=lambda: "every analysis to end: " + str(
        list(Job.objects.filter(pk__in=ids).values_list("status", "attempt", "error_code"))))
    jobs = list(Job.objects.filter(pk__in=ids))
    assert {job.status for job in jobs} == {Status.SUCCEEDED}, [(j.status, j.error) for j in jobs]
    assert any(job.attempt == 2 for job in jobs)  # the killed one resumed elsewhere
    # Tasks the killed cluster had taken ahead of its workers were queued again.
    for job in jobs:
        urls = list(Page.objects.filter(job=job).values_list("url", flat=True))
        assert len(urls) == len(set(urls)) == job.pages_done > 0  # each page stored once

    for thread in followers:
        thread.join(timeout=120)
    assert len(followed) == 4
    for job_id, events in followed.items():
        stored = list(JobEvent.objects.filter(job_id=job_id).order_by("id")
                      .values_list("id", flat=True))
        assert [event["id"] for event in events] == stored  # every event, in order, once
        assert events[-1]["type"] == "completed"

    for port in ports:
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["workers"]["clusters"] == 1  # the survivor


def _in_group(pid: int, group: int) -> bool:
    try:
        return os.getpgid(pid) == group
    except ProcessLookupError:
        return False
