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


def _persona_file(tmp_path, persona) -> str:
    path = tmp_path / "persona.json"
    path.write_text(json.dumps(persona), encoding="utf-8")
    return str(path)


def test_it_prints_the_persona_card_for_a_novice_with_a_screen_reader(shop, tmp_path, capsys):
    from tests.analyses.personas.test_shop_review import NOVICE

    call_command("analyze", shop.url("/"), "--max-pages", "20",
                 "--persona", _persona_file(tmp_path, NOVICE))
    out = capsys.readouterr().out
    assert "Member 0: parent planning a holiday, novice, on mobile (slow-4g), uses screen reader" \
        in out
    assert "Goal: compare camera rental prices" in out
    for dimension in ("findability", "comprehension", "access", "weight", "trust"):
        assert f"│   {dimension}" in out
    assert "reads at grade" in out and "label (critical)" in out
    assert Job.objects.get().kind == "single"


def test_it_runs_a_focus_group_and_prints_its_summary_as_json(shop, tmp_path, capsys):
    from tests.analyses.personas.test_shop_review import NOVICE

    call_command("analyze", shop.url("/"), "--max-pages", "20", "--json",
                 "--persona", _persona_file(tmp_path, NOVICE), "--variations", "3")
    result = json.loads(capsys.readouterr().out)
    assert [p["member"] for p in result["personas"]] == [0, 1, 2]
    assert result["focus_group"]["members"] == 3


def test_it_refuses_a_bad_persona_file(shop, tmp_path):
    with pytest.raises(CommandError, match="not valid JSON"):
        bad = tmp_path / "bad.json"
        bad.write_text("{nope", encoding="utf-8")
        call_command("analyze", shop.url("/"), "--persona", str(bad))
    with pytest.raises(CommandError, match="experience_level"):
        call_command("analyze", shop.url("/"), "--persona",
                     _persona_file(tmp_path, {"role": "x", "experience_level": "guru",
                                              "primary_goal": "buy a camera"}))
    with pytest.raises(CommandError, match="needs --persona"):
        call_command("analyze", shop.url("/"), "--variations", "3")
    assert not Job.objects.exists()


def test_it_writes_an_export_format_to_a_file(shop, tmp_path, capsys):
    import xml.etree.ElementTree as ET

    target = tmp_path / "report.sarif"
    call_command("analyze", shop.url("/"), "--max-pages", "5", "--format", "sarif",
                 "--output", str(target))
    log = json.loads(target.read_text())
    assert log["version"] == "2.1.0" and log["runs"][0]["results"]
    assert f"wrote sarif to {target}" in capsys.readouterr().out
    junit = tmp_path / "report.xml"
    call_command("analyze", shop.url("/"), "--max-pages", "5", "--format", "junit",
                 "--output", str(junit))
    assert ET.parse(junit).getroot().tag == "testsuites"


def test_it_refuses_an_unknown_format_before_crawling(shop, tmp_path):
    with pytest.raises(CommandError, match="Unknown format"):
        call_command("analyze", shop.url("/"), "--format", "docx", "--output", "x")
    with pytest.raises(CommandError, match="needs --output"):
        call_command("analyze", shop.url("/"), "--format", "json")
    assert not Job.objects.exists()
