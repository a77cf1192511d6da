"""With REDIS_URL, worker events wake the WebSocket consumer through channels-redis.

The consumer's fallback poll is set to 30 s here, so an event that arrives within
a few seconds can only have come through the Redis wake-up.
"""

import os
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import override_settings
from rest_framework_simplejwt.tokens import AccessToken

from apps.jobs import events
from apps.jobs.models import EventType, Job
from config.asgi import application
from config.redis import channel_layer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio, pytest.mark.redis]


@pytest.fixture
def redis_layer():
    layers = {"default": channel_layer(os.environ.get("REDIS_TEST_URL", ""))}
    with override_settings(CHANNEL_LAYERS=layers, SITELENS_EVENT_POLL_SECONDS=30):
        channel_layers.backends.clear()
        yield
    channel_layers.backends.clear()


async def test_it_wakes_the_consumer_through_redis(user, redis_layer):
    job = await sync_to_async(Job.objects.create)(owner=user, url="http://example.com/", options={})
    comm = WebsocketCommunicator(
        application, f"/ws/v1/analyses/{job.pk}/",
        headers=[(b"authorization", f"Bearer {AccessToken.for_user(user)}".encode())],
    )
    assert (await comm.connect())[0]
    emitted = {}

    def worker_side():  # like the qcluster worker: another thread, sync code, own event loop
        emitted["id"] = events.emit(job, EventType.LOG, {"message": "from the worker"}).id

    thread = threading.Thread(target=worker_side)
    await sync_to_async(thread.start)()
    received = await comm.receive_json_from(timeout=5)
    await sync_to_async(thread.join)()
    assert received["id"] == emitted["id"]
    assert received["data"]["message"] == "from the worker"
    await comm.disconnect()


async def test_an_idle_consumer_outlives_redis_reads_and_still_wakes(user, redis_layer):
    """Quiet for longer than redis-py 8's default 5 s read timeout: the consumer must
    stay up (it used to be torn down with "Timeout reading from …") and still wake."""
    job = await sync_to_async(Job.objects.create)(owner=user, url="http://example.com/", options={})
    comm = WebsocketCommunicator(
        application, f"/ws/v1/analyses/{job.pk}/",
        headers=[(b"authorization", f"Bearer {AccessToken.for_user(user)}".encode())],
    )
    assert (await comm.connect())[0]
    assert await comm.receive_nothing(timeout=7)  # and no crash meanwhile
    event = await sync_to_async(events.emit)(job, EventType.LOG, {"message": "late"})
    received = await comm.receive_json_from(timeout=5)
    assert received["id"] == event.id
    await comm.disconnect()


async def test_subscribers_of_one_analysis_share_a_subscription_and_one_leaving_keeps_it(
        user, redis_layer):
    """The process joins the job's group once for all its subscribers; when one of them
    leaves, the others are still woken through Redis (their poll is 30 s here)."""
    from channels.layers import get_channel_layer

    job = await sync_to_async(Job.objects.create)(owner=user, url="http://example.com/", options={})
    comms = [WebsocketCommunicator(
        application, f"/ws/v1/analyses/{job.pk}/",
        headers=[(b"authorization", f"Bearer {AccessToken.for_user(user)}".encode())],
    ) for _ in range(3)]
    for comm in comms:
        assert (await comm.connect())[0]
    layer = get_channel_layer()
    members = await layer.connection(layer.consistent_hash(events.group_name(job.pk))).zrange(
        layer._group_key(events.group_name(job.pk)), 0, -1)
    assert len(members) == 1
    await comms[0].disconnect()
    event = await sync_to_async(events.emit)(job, EventType.LOG, {"message": "still here?"})
    for comm in comms[1:]:
        assert (await comm.receive_json_from(timeout=5))["id"] == event.id
        await comm.disconnect()
    assert await layer.connection(layer.consistent_hash(events.group_name(job.pk))).zrange(
        layer._group_key(events.group_name(job.pk)), 0, -1) == []
