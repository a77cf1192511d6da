"""Checking external links and resources: HEAD, then a ranged GET, bounded."""

from __future__ import annotations

import itertools

from apps.web.linkcheck import check_url, check_urls
from tests.support.http_server import LocalHTTPServer, Reply
from tests.web.test_http import client_for


def _refuse_head(handler):
    if handler.command == "HEAD":
        return Reply(405)
    return Reply(206, b"x", {"Content-Range": "bytes 0-0/12345"})


def test_head_answers_give_status_and_size():
    with LocalHTTPServer() as server, client_for(server) as client:
        server.route("/img.png", Reply(200, b"p" * 2048, {"Content-Type": "image/png"}))
        status = check_url(client, server.url("/img.png"))
        assert (status.status, status.size, status.method, status.broken) == (200, 2048, "HEAD",
                                                                               False)
        assert [r.method for r in server.requests] == ["HEAD"]


def test_a_server_refusing_head_is_asked_with_a_one_byte_get():
    with LocalHTTPServer() as server, client_for(server) as client:
        server.route("/page", _refuse_head)
        status = check_url(client, server.url("/page"))
        assert (status.status, status.size, status.method) == (206, 12345, "GET")
        assert server.requests[-1].headers.get("Range") == "bytes=0-0"


def test_an_error_on_both_methods_is_broken_and_so_is_no_answer():
    with LocalHTTPServer() as server, client_for(server) as client:
        server.route("/gone", Reply(404, "not here"))
        gone = check_url(client, server.url("/gone"))
        assert (gone.status, gone.method, gone.broken) == (404, "GET", True)
    with client_for(server) as client:  # the server has stopped: the port refuses
        refused = check_url(client, server.url("/x"))
    assert refused.status is None and refused.error == "connection" and refused.broken


def test_a_target_the_guard_refuses_is_not_called_broken():
    with LocalHTTPServer() as server, client_for() as client:  # loopback not allowed
        status = check_url(client, server.url("/"))
    assert (status.status, status.error, status.broken) == (None, "blocked_address", False)
    assert server.requests == []


def test_each_url_is_checked_once_and_the_count_bound_holds():
    with LocalHTTPServer() as server, client_for(server) as client:
        for i in range(5):
            server.route(f"/{i}", Reply(200))
        urls = [server.url(f"/{i}") for i in (0, 1, 0, 2, 3, 4, 1)]
        report = check_urls(client, urls, max_urls=3, budget_s=30)
    assert sorted(report.checked) == [server.url(f"/{i}") for i in range(3)]
    assert report.skipped == 2
    assert len(server.requests) == 3


def test_nothing_is_started_after_the_time_budget():
    ticks = itertools.count()
    with LocalHTTPServer() as server, client_for(server) as client:
        server.route("/a", Reply(200))
        report = check_urls(client, [server.url("/a"), server.url("/b")], max_urls=10,
                            budget_s=0.5, concurrency=1, clock=lambda: next(ticks))
    # clock: 0 at the start (deadline 0.5), 1 at the first submit check: nothing starts.
    assert report.checked == {} and report.skipped == 2


def test_a_head_answer_larger_than_the_body_cap_still_gives_its_size():
    with LocalHTTPServer() as server, client_for(server, max_bytes=1024) as client:
        server.route("/big.jpg", Reply(200, b"j" * 700_000, {"Content-Type": "image/jpeg"}))
        status = check_url(client, server.url("/big.jpg"))
        assert (status.status, status.size, status.method) == (200, 700_000, "HEAD")
        assert [r.method for r in server.requests] == ["HEAD"]
