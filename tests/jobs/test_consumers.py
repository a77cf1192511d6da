"""The WebSocket event stream through Channels' communicator (the real ASGI stack)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import AccessToken

from apps.accounts.models import ApiKey
from apps.core.metrics import REGISTRY
from apps.jobs import events
from apps.jobs.models import EventType, Job, Status
from config.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def _connect(path: str, *, headers=None) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, path, headers=headers or [])


@sync_to_async
def _make_job(user) -> Job:
    return Job.objects.create(owner=user, url="http://example.com/", options={})


@sync_to_async
def _emit(job, type, data):
    return events.emit(job, type, data).id


def _bearer(user) -> list:
    return [(b"authorization", f"Bearer {AccessToken.for_user(user)}".encode())]


async def _receive_all(comm, n: int) -> list[dict]:
    return [await comm.receive_json_from(timeout=3) for _ in range(n)]


async def test_it_streams_stored_events_then_live_ones_in_order(user):
    job = await _make_job(user)
    first = await _emit(job, EventType.LOG, {"message": "one"})
    comm = _connect(f"/ws/v1/analyses/{job.pk}/", headers=_bearer(user))
    connected, _ = await comm.connect()
    assert connected
    assert (await comm.receive_json_from(timeout=3))["id"] == first
    second = await _emit(job, EventType.PROGRESS, {"pages_done": 1})
    third = await _emit(job, EventType.PAGE, {"url": "http://example.com/"})
    received = await _receive_all(comm, 2)
    assert [e["id"] for e in received] == [second, third]
    assert [e["type"] for e in received] == ["progress", "page"]
    await comm.disconnect()


async def test_it_replays_only_what_came_after_the_given_id(user):
    job = await _make_job(user)
    ids = [await _emit(job, EventType.LOG, {"n": n}) for n in range(4)]
    comm = _connect(f"/ws/v1/analyses/{job.pk}/?after={ids[1]}", headers=_bearer(user))
    assert (await comm.connect())[0]
    received = await _receive_all(comm, 2)
    assert [e["id"] for e in received] == ids[2:]
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_it_closes_after_the_terminal_status(user):
    job = await _make_job(user)
    await _emit(job, EventType.STATUS, {"status": Status.SUCCEEDED})
    await _emit(job, EventType.COMPLETED, {"status": Status.SUCCEEDED})
    comm = _connect(f"/ws/v1/analyses/{job.pk}/", headers=_bearer(user))
    assert (await comm.connect())[0]
    received = await _receive_all(comm, 2)
    assert received[-1]["type"] == "completed"
    assert (await comm.receive_output(timeout=3))["type"] == "websocket.close"


async def test_it_accepts_an_api_key(user):
    job = await _make_job(user)
    _, raw = await sync_to_async(ApiKey.generate)(user=user, name="ws")
    comm = _connect(f"/ws/v1/analyses/{job.pk}/", headers=[(b"authorization", f"Api-Key {raw}".encode())])
    assert (await comm.connect())[0]
    await comm.disconnect()


async def test_it_accepts_a_jwt_in_the_query_string(user):
    job = await _make_job(user)
    comm = _connect(f"/ws/v1/analyses/{job.pk}/?token={AccessToken.for_user(user)}")
    assert (await comm.connect())[0]
    await comm.disconnect()


async def test_it_refuses_a_connection_without_auth(user):
    job = await _make_job(user)
    connected, code = await _connect(f"/ws/v1/analyses/{job.pk}/").connect()
    assert not connected
    assert code == 4401


async def test_it_refuses_another_users_analysis(user, other_user):
    job = await _make_job(user)
    await _emit(job, EventType.LOG, {"message": "secret"})
    connected, code = await _connect(f"/ws/v1/analyses/{job.pk}/", headers=_bearer(other_user)).connect()
    assert not connected
    assert code == 4404


async def test_it_refuses_a_foreign_origin_even_with_a_valid_token(user):
    job = await _make_job(user)
    headers = [*_bearer(user), (b"origin", b"https://evil.example")]
    connected, _ = await _connect(f"/ws/v1/analyses/{job.pk}/", headers=headers).connect()
    assert not connected


async def test_it_accepts_the_sites_own_origin(user):
    job = await _make_job(user)
    headers = [*_bearer(user), (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    comm = _connect(f"/ws/v1/analyses/{job.pk}/", headers=headers)
    assert (await comm.connect())[0]
    await comm.disconnect()


async def test_it_refuses_a_revoked_api_key(user):
    job = await _make_job(user)
    key, raw = await sync_to_async(ApiKey.generate)(user=user, name="ws")
    await sync_to_async(key.revoke)()
    comm = _connect(f"/ws/v1/analyses/{job.pk}/", headers=[(b"authorization", f"Api-Key {raw}".encode())])
    connected, code = await comm.connect()
    assert not connected and code == 4401


async def test_it_keeps_order_under_a_burst_of_events(user):
    job = await _make_job(user)
    comm = _connect(f"/ws/v1/analyses/{job.pk}/", headers=_bearer(user))
    assert (await comm.connect())[0]

    async def burst():
        return [await _emit(job, EventType.PROGRESS, {"pages_done": n}) for n in range(30)]

    emitted = await burst()
    received = await _receive_all(comm, 30)
    assert [e["id"] for e in received] == emitted
    await comm.disconnect()
    await asyncio.sleep(0)


@pytest.mark.parametrize("job_id", ["------------------------------------", "not-a-uuid",
                                    "00000000-0000-0000-0000-00000000000g"])
async def test_it_closes_with_4404_for_an_id_that_is_not_a_uuid(user, job_id):
    connected, code = await _connect(f"/ws/v1/analyses/{job_id}/", headers=_bearer(user)).connect()
    assert not connected and code == 4404


async def test_a_database_error_during_authentication_is_not_anonymous(user, monkeypatch):
    from django.db import OperationalError
    from rest_framework_simplejwt.authentication import JWTAuthentication

    job = await _make_job(user)

    def database_down(self, validated_token):
        raise OperationalError("the database is down")

    monkeypatch.setattr(JWTAuthentication, "get_user", database_down)
    comm = _connect(f"/ws/v1/analyses/{job.pk}/", headers=_bearer(user))
    connected, _ = await comm.connect()
    assert connected  # accepted, then closed with "try again", not 4401
    assert (await comm.receive_output(timeout=3)) == {"type": "websocket.close", "code": 1011}


async def test_the_dashboard_streams_status_and_progress_of_all_my_analyses(user, other_user):
    first, second = await _make_job(user), await _make_job(user)
    theirs = await _make_job(other_user)
    await _emit(first, EventType.LOG, {"message": "before connecting"})
    comm = _connect("/ws/v1/analyses/", headers=_bearer(user))
    assert (await comm.connect())[0]
    await _emit(first, EventType.PROGRESS, {"pages_done": 1})
    await _emit(first, EventType.PAGE, {"url": "http://example.com/"})  # not for the dashboard
    await _emit(theirs, EventType.STATUS, {"status": "running"})  # not mine
    await _emit(second, EventType.STATUS, {"status": "running", "stage": "crawling"})
    received = await _receive_all(comm, 2)
    assert [(e["job"], e["type"]) for e in received] == [(str(first.pk), "progress"),
                                                         (str(second.pk), "status")]
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


async def test_the_dashboard_replays_from_after(user):
    job = await _make_job(user)
    first = await _emit(job, EventType.STATUS, {"status": "queued"})
    second = await _emit(job, EventType.STATUS, {"status": "running"})
    comm = _connect(f"/ws/v1/analyses/?after={first}", headers=_bearer(user))
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from(timeout=3))["id"] == second
    await comm.disconnect()


async def test_the_dashboard_refuses_anonymous_clients():
    connected, code = await _connect("/ws/v1/analyses/").connect()
    assert not connected and code == 4401


def _open() -> float:
    return REGISTRY.get_sample_value("sitelens_websocket_connections")


async def test_open_connections_are_counted_and_refused_ones_are_not(user, other_user):
    job = await _make_job(user)
    before = _open()
    comm = _connect(f"/ws/v1/analyses/{job.pk}/", headers=_bearer(user))
    assert (await comm.connect())[0]
    refused = _connect(f"/ws/v1/analyses/{job.pk}/", headers=_bearer(other_user))
    assert not (await refused.connect())[0]
    assert _open() == before + 1
    await comm.disconnect()
    assert _open() == before


def test_event_frames_skip_the_session_wrapper_which_never_saves_on_them():
    # Channels' session middleware wraps every consumer's send and reads the session on
    # each message, but saves (and sets a cookie) only on `http.response.start`.
    from channels.sessions import InstanceSessionWrapper

    from apps.jobs.connection import past_the_session

    async def send(message):
        pass

    wrapper = InstanceSessionWrapper({"type": "websocket", "cookies": {}}, send)
    assert "websocket.send" not in wrapper.save_message_types
    assert past_the_session(wrapper.send) is send
    assert past_the_session(send) is send
