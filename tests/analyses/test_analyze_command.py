"""`manage.py analyze URL`: the same pipeline inline, with an exit code."""

import json

import pytest
from django.core.management import CommandError, call_command

from apps.jobs.models import Job, Status

pytestmark = pytest.mark.django_db


def test_it_analyses_a_site_and_prints_json(site, capsys):
    call_command("analyze", site.url, "--max-pages", "8", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "succeeded"
    assert result["pages"] == 8
    assert Job.objects.get().status == Status.SUCCEEDED


def test_it_draws_progress_and_a_summary(site, capsys):
    call_command("analyze", site.url, "--max-pages", "3")
    captured = capsys.readouterr()
    assert "3/3 pages" in captured.err
    assert "succeeded" in captured.out


def test_it_exits_non_zero_when_the_analysis_fails(settings):
    from tests.support.http_server import LocalHTTPServer

    with LocalHTTPServer() as server:
        port = server.port
    settings.SITELENS_ALLOWED_TARGETS = f"127.0.0.1:{port}"
    with pytest.raises(SystemExit) as exit_info:
        call_command("analyze", f"http://127.0.0.1:{port}/")
    assert exit_info.value.code == 1
    assert Job.objects.get().status == Status.FAILED


def test_it_refuses_an_invalid_url():
    with pytest.raises(CommandError, match="http"):
        call_command("analyze", "ftp://example.com/")


def test_it_refuses_a_blocked_target():
    with pytest.raises(CommandError):
        call_command("analyze", "http://169.254.169.254/")
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_says_so_when_the_analysis_is_deleted_while_it_runs():
    from django.db import connection
    from django.test import override_settings

    from tests.support.testsite import ROUTES, TestSite

    def delete_then_answer(headers):
        Job.objects.all().delete()  # e.g. the owner deleted it in the browser meanwhile
        connection.close()
        return ROUTES["/about"]

    with TestSite(extra_routes={"/about": delete_then_answer}) as site, \
            override_settings(SITELENS_ALLOWED_TARGETS=site.host_port):
        with pytest.raises(CommandError, match="deleted while it ran"):
            call_command("analyze", site.url, "--max-pages", "8", "--json")
