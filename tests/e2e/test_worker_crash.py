"""Kill the qcluster worker mid-crawl: the job resumes and completes, each page once."""

import os
import signal
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from apps.jobs.models import Job, Page, Status
from tests.e2e.conftest import wait_for
from tests.support.analyses import create_analysis
from tests.support.testsite import TestSite

pytestmark = pytest.mark.e2e


@pytest.fixture
def slow_site():
    with TestSite(latency=0.15) as site:
        with override_settings(SITELENS_ALLOWED_TARGETS=site.host_port):
            yield site


def test_it_resumes_a_job_whose_worker_was_killed(processes, slow_site, user):
    job = create_analysis(user, slow_site.url, enqueue=True, max_pages=40, max_depth=6,
                          concurrency=1)
    processes.qcluster()

    wait_for(lambda: Page.objects.filter(job=job).count() >= 5, timeout=60,
             what="the first pages to be stored")
    job.refresh_from_db()
    assert job.status == Status.RUNNING and job.attempt == 1
    worker_pid = int(job.worker.split(":")[1])  # host:pid:start
    os.kill(worker_pid, signal.SIGKILL)
    stored_before_kill = set(Page.objects.filter(job=job).values_list("url", flat=True))
    requests_before_kill = len(slow_site.requests)

    def finished():
        job.refresh_from_db()
        return job.is_terminal

    wait_for(finished, timeout=90, what="the resumed job to finish\n" + processes.log("qcluster"))
    assert job.status == Status.SUCCEEDED, job.error
    assert job.attempt == 2
    urls = list(Page.objects.filter(job=job).values_list("url", flat=True))
    assert len(urls) == len(set(urls))  # each page stored once
    assert stored_before_kill < set(urls)

    # Pages stored before the kill were not fetched again by the second attempt
    # (robots.txt and the sitemap are re-read, which is expected).
    later = Counter(slow_site.requests[requests_before_kill:])
    refetched = [path for path in later
                 if slow_site.url_for(path) in stored_before_kill
                 and urlsplit(path).path not in ("/robots.txt", "/sitemap.xml")]
    assert refetched == []
    logs = [e.data["message"] for e in Job.objects.get(pk=job.pk).events.filter(type="log")]
    assert any("resumes" in message for message in logs)
