"""Recovery of abandoned jobs: dead or reused pids, stale heartbeats, live workers."""

import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from apps.jobs.models import Job, Status
from apps.jobs.recovery import job_recover_stale
from apps.jobs.workers import Liveness, current_worker, liveness, process_start_time
from tests.factories import JobFactory
from tests.support.analyses import create_analysis, run
from tests.support.testsite import Response, TestSite

HOST = socket.gethostname()


def _running(worker: str, *, heartbeat_age: float = 0.0, attempt: int = 1) -> Job:
    return JobFactory(status=Status.RUNNING, worker=worker, attempt=attempt,
                      heartbeat_at=timezone.now() - timedelta(seconds=heartbeat_age))


@pytest.fixture
def live_process():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def test_it_names_a_worker_by_host_pid_and_start_time():
    host, pid, start = current_worker().split(":")
    assert (host, int(pid)) == (HOST, os.getpid())
    assert start == process_start_time(os.getpid()) and start.isdigit()


def test_it_tells_a_live_worker_from_a_dead_one(live_process):
    start = process_start_time(live_process.pid)
    assert liveness(f"{HOST}:{live_process.pid}:{start}") is Liveness.ALIVE
    assert liveness("elsewhere:1:1") is Liveness.UNKNOWN
    live_process.kill()
    live_process.wait()
    assert liveness(f"{HOST}:{live_process.pid}:{start}") is Liveness.DEAD


@pytest.mark.django_db
def test_it_recovers_a_job_whose_pid_now_belongs_to_another_process(live_process):
    # After a restart (a container, the same host name) the recorded pid may be taken
    # by an unrelated process: same pid, another start time. The worker is dead.
    job = _running(f"{HOST}:{live_process.pid}:1")  # the old worker started at tick 1
    assert [j.pk for j in job_recover_stale()] == [job.pk]
    assert Job.objects.get(pk=job.pk).status == Status.QUEUED


@pytest.mark.django_db
def test_it_trusts_a_stale_heartbeat_over_a_live_pid(live_process, settings):
    settings.SITELENS_JOB_STALE_SECONDS = 60
    start = process_start_time(live_process.pid)
    job = _running(f"{HOST}:{live_process.pid}:{start}", heartbeat_age=120)
    assert [j.pk for j in job_recover_stale()] == [job.pk]


@pytest.mark.django_db
def test_it_recovers_a_dead_pid_at_once_even_with_a_fresh_heartbeat(live_process):
    start = process_start_time(live_process.pid)
    live_process.kill()
    live_process.wait()
    job = _running(f"{HOST}:{live_process.pid}:{start}")
    assert [j.pk for j in job_recover_stale()] == [job.pk]


@pytest.mark.django_db
def test_it_leaves_a_live_worker_with_a_fresh_heartbeat_alone(live_process):
    start = process_start_time(live_process.pid)
    _running(f"{HOST}:{live_process.pid}:{start}")
    _running("another-machine:7:7")  # elsewhere, but beating
    assert job_recover_stale() == []


@pytest.mark.django_db
def test_it_fails_a_job_out_of_attempts_with_the_final_events():
    job = _running("gone-host:1:1", heartbeat_age=10_000, attempt=3)
    assert job_recover_stale() == []
    job.refresh_from_db()
    assert (job.status, job.error_code) == (Status.FAILED, "too_many_attempts")
    assert job.events.filter(type="failed").exists()


@pytest.mark.django_db
def test_it_reads_worker_names_written_by_the_previous_version():
    job = _running(f"{HOST}:{2**22 + 12345}")  # host:pid, a pid that cannot exist
    assert [j.pk for j in job_recover_stale()] == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_a_job_keeps_beating_while_it_reads_slow_sitemaps(user):
    """Four sitemap files of 1 s each take longer than the stale limit (2 s); the job
    beats between them, so a recovery sweep run meanwhile leaves it alone."""
    sweeps = []

    def slow_sitemap(name, nested=()):
        def respond(headers):
            import time
            time.sleep(1.0)
            if name == "/sitemap-4.xml":  # the last one: is the job still ours?
                sweeps.append([j.pk for j in job_recover_stale()])
                connection.close()
            locs = "".join(f"<sitemap><loc>{site.url}{n}</loc></sitemap>" for n in nested)
            body = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                    f'sitemap/0.9">{locs}</sitemapindex>')
            return Response(body=body.encode(), headers={"Content-Type": "application/xml"})
        return respond

    routes = {"/robots.txt": Response(body=b"User-agent: *\nAllow: /\n",
                                      headers={"Content-Type": "text/plain"}),
              "/sitemap.xml": slow_sitemap("/sitemap.xml", ["/sitemap-2.xml"]),
              "/sitemap-2.xml": slow_sitemap("/sitemap-2.xml", ["/sitemap-3.xml"]),
              "/sitemap-3.xml": slow_sitemap("/sitemap-3.xml", ["/sitemap-4.xml"]),
              "/sitemap-4.xml": slow_sitemap("/sitemap-4.xml")}
    with TestSite(extra_routes=routes) as site, override_settings(
            SITELENS_ALLOWED_TARGETS=site.host_port, SITELENS_JOB_STALE_SECONDS=2,
            SITELENS_HEARTBEAT_SECONDS=1):
        job = create_analysis(user, site.url, max_pages=3, max_depth=1)
        def work():
            try:
                run(job)
            finally:
                connection.close()

        worker = threading.Thread(target=work)
        worker.start()
        worker.join(timeout=60)
    assert sweeps == [[]]  # the sweep during the slow sitemaps took nothing
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED and job.attempt == 1


@pytest.mark.django_db
def test_a_queued_job_whose_task_was_lost_is_queued_again_once(settings, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    from django_q.conf import Conf
    from django_q.models import OrmQ

    monkeypatch.setattr(Conf, "SYNC", False)  # to the broker, like a real deployment
    settings.SITELENS_QUEUED_STALE_SECONDS = 600
    lost = JobFactory(enqueued_at=timezone.now() - timedelta(seconds=601))
    waiting = JobFactory(enqueued_at=timezone.now() - timedelta(seconds=30))
    running = _running(current_worker())
    with django_capture_on_commit_callbacks(execute=True):
        assert [j.pk for j in job_recover_stale()] == [lost.pk]
    assert [row.task["args"] for row in OrmQ.objects.all()] == [(str(lost.pk),)]
    lost.refresh_from_db()
    assert timezone.now() - lost.enqueued_at < timedelta(seconds=5)
    assert "queued again" in lost.events.get(type="log").data["message"]
    with django_capture_on_commit_callbacks(execute=True):
        assert job_recover_stale() == []  # not again until another 600 s pass
    assert OrmQ.objects.count() == 1
    waiting.refresh_from_db()
    running.refresh_from_db()
    assert running.status == Status.RUNNING and waiting.status == Status.QUEUED
