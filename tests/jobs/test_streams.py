"""The live streams' shared reads and wake-ups (apps.jobs.streams), without a database:
the loader is a stand-in the test releases by hand, so nothing depends on timing."""

import asyncio

import pytest

from apps.jobs.streams import BATCH, SLICE, StreamEvent, Wake, _SharedReads, tail

pytestmark = pytest.mark.asyncio


async def settle() -> None:
    """Let every task that can run, run (a read starts its loader one step later)."""
    for _ in range(5):
        await asyncio.sleep(0)


class Loader:
    """Counts reads; each read waits until the test releases it, then returns `rows`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []
        self.release = asyncio.Event()
        self.rows: list[dict] = []

    async def __call__(self, job_id: str, after: int) -> list[dict]:
        self.calls.append((job_id, after))
        rows = list(self.rows)  # what the table held when the read began
        await self.release.wait()
        return rows


def read(reads: _SharedReads, job_id: str, after: int, announced: int, load) -> asyncio.Future:
    waiter = asyncio.get_running_loop().create_future()
    reads.read(job_id, after, announced, load, waiter)
    return waiter


async def test_subscribers_woken_by_the_same_event_share_one_read():
    reads, load = _SharedReads(), Loader()
    load.rows = [{"id": 5}]
    waiting = [read(reads, "job", 4, 5, load) for _ in range(3)]
    await settle()
    load.release.set()
    assert [await w for w in waiting] == [[{"id": 5}]] * 3
    assert load.calls == [("job", 4)]


async def test_a_subscriber_woken_by_a_newer_event_does_not_join_an_older_read():
    """The read under way may have begun before event 6 was committed: joining it would
    leave event 6 unread until the next wake-up."""
    reads, load = _SharedReads(), Loader()
    load.rows = [{"id": 5}]
    older = read(reads, "job", 4, 5, load)
    await settle()
    load.rows = [{"id": 5}, {"id": 6}]
    newer = read(reads, "job", 4, 6, load)
    await settle()
    load.release.set()
    assert await older == [{"id": 5}]
    assert await newer == [{"id": 5}, {"id": 6}]
    assert load.calls == [("job", 4), ("job", 4)]


async def test_reads_from_other_positions_or_jobs_are_not_shared():
    reads, load = _SharedReads(), Loader()
    waiting = [read(reads, job, after, 0, load) for job, after in (("a", 1), ("a", 2), ("b", 1))]
    await settle()
    load.release.set()
    await asyncio.gather(*waiting)
    assert sorted(load.calls) == [("a", 1), ("a", 2), ("b", 1)]


async def test_a_subscriber_that_leaves_does_not_cancel_the_read_of_the_others():
    reads, load = _SharedReads(), Loader()
    load.rows = [{"id": 1}]
    leaving = read(reads, "job", 0, 0, load)
    staying = read(reads, "job", 0, 0, load)
    await settle()
    leaving.cancel()
    load.release.set()
    assert await staying == [{"id": 1}]
    assert leaving.cancelled()


async def test_more_waiters_than_one_slice_are_all_resumed_in_the_order_they_came():
    reads, load = _SharedReads(), Loader()
    load.rows = [{"id": 1}]
    waiting = [read(reads, "job", 0, 1, load) for _ in range(2 * SLICE + 1)]
    resumed: list[int] = []
    for i, waiter in enumerate(waiting):
        waiter.add_done_callback(lambda _, i=i: resumed.append(i))
    await settle()
    load.release.set()
    assert await asyncio.wait_for(asyncio.gather(*waiting), timeout=5) == [[{"id": 1}]] * len(waiting)
    assert resumed == list(range(len(waiting)))
    assert load.calls == [("job", 0)]


async def test_a_failed_read_fails_each_of_its_waiters():
    async def broken(job_id: str, after: int) -> list:
        raise RuntimeError("database gone")

    reads = _SharedReads()
    waiting = [read(reads, "job", 0, 0, broken) for _ in range(2)]
    for waiter in waiting:
        with pytest.raises(RuntimeError, match="database gone"):
            await waiter


async def test_a_finished_read_is_not_served_again():
    reads, load = _SharedReads(), Loader()
    load.release.set()
    load.rows = [{"id": 1}]
    assert await read(reads, "job", 0, 0, load) == [{"id": 1}]
    load.rows = [{"id": 1}, {"id": 2}]
    assert await read(reads, "job", 0, 0, load) == [{"id": 1}, {"id": 2}]


async def test_a_wake_remembers_the_newest_announced_event_and_a_set_before_the_wait():
    wake = Wake()
    wake.set(7)
    wake.set(3)
    wake.set(None)  # a wake-up without an id (or a poll) keeps what was announced
    assert wake.announced == 7
    assert await asyncio.wait_for(wake.wait(timeout=60), timeout=5) is None  # set: no wait
    assert wake.take() == 7
    waiter = asyncio.ensure_future(wake.wait(timeout=60))
    await settle()
    assert not waiter.done()
    wake.set(8)
    assert await asyncio.wait_for(waiter, timeout=5) is None
    assert wake.announced == 8


async def test_a_wake_during_the_wait_starts_the_waiters_read_with_what_was_announced():
    wake, started = Wake(), []

    def start(announced: int, waiter: asyncio.Future) -> None:
        started.append(announced)
        waiter.set_result(["rows"])

    waiting = asyncio.ensure_future(wake.wait(timeout=60, read=start))
    await settle()
    wake.set(9)
    assert await asyncio.wait_for(waiting, timeout=5) == ["rows"]
    assert started == [9]
    # That wake-up is spent; one that comes while nobody waits is kept for the next wait.
    wake.set(10)
    assert await asyncio.wait_for(wake.wait(timeout=60, read=start), timeout=5) is None
    assert started == [9] and wake.take() == 10


async def test_a_wait_ends_after_its_timeout_even_when_an_earlier_wait_armed_a_longer_one():
    wake = Wake()
    first = asyncio.ensure_future(wake.wait(timeout=3600))
    await settle()
    first.cancel()
    assert await asyncio.wait_for(wake.wait(timeout=0.01), timeout=5) is None


class Table:
    """An event table in memory and a fetch over it, as `job_events` reads a job's."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, type: str = "log", **data) -> None:
        self.rows.append({"id": len(self.rows) + 1, "type": type, "data": data})

    def fetch(self, after: int, announced: int, waiter: asyncio.Future) -> None:
        waiter.set_result([StreamEvent(row) for row in self.rows if row["id"] > after][:BATCH])


async def test_tail_yields_every_event_once_in_order_across_wake_ups_and_batches():
    table, wake = Table(), Wake()
    for _ in range(BATCH + 5):
        table.add()
    seen: list[int] = []

    async def consume() -> None:
        async for events in tail(table.fetch, 0, wake, poll=3600, until_final=True):
            seen.extend(event.id for event in events)

    consumer = asyncio.ensure_future(consume())
    await settle()
    assert seen == list(range(1, BATCH + 6))
    table.add()
    wake.set(len(table.rows))  # the wake-up reads for the waiting tail
    await settle()
    table.add()
    table.add("status", status="succeeded")
    wake.set(len(table.rows))
    await asyncio.wait_for(consumer, timeout=5)  # ended after the final status
    assert seen == list(range(1, BATCH + 9))


async def test_tail_reads_again_when_woken_while_it_was_not_waiting():
    """A wake-up that comes while the tail is busy (its read under way) is not lost."""
    table, wake, seen = Table(), Wake(), []
    table.add()
    gate = asyncio.Event()

    def slow_fetch(after: int, announced: int, waiter: asyncio.Future) -> None:
        async def later() -> None:
            rows = [StreamEvent(r) for r in table.rows if r["id"] > after]
            await gate.wait()
            waiter.set_result(rows)
        asyncio.ensure_future(later())

    async def consume() -> None:
        async for events in tail(slow_fetch, 0, wake, poll=3600, until_final=True):
            seen.extend(event.id for event in events)

    consumer = asyncio.ensure_future(consume())
    await settle()  # the first read is under way and has seen event 1 only
    table.add("status", status="failed")
    wake.set(2)
    gate.set()
    await asyncio.wait_for(consumer, timeout=5)
    assert seen == [1, 2]


async def test_an_event_is_encoded_once_and_as_each_stream_wrote_it_before():
    event = StreamEvent({"id": 3, "type": "page", "data": {"url": "http://a/é"},
                         "created_at": "2026-01-01T00:00:00+00:00"})
    assert event.text == ('{"id": 3, "type": "page", "data": {"url": "http://a/\\u00e9"}, '
                          '"created_at": "2026-01-01T00:00:00+00:00"}')
    assert event.text is event.text
    assert event.sse == (b'id: 3\nevent: page\ndata: {"id":3,"type":"page","data":'
                         b'{"url":"http://a/\\u00e9"},"created_at":"2026-01-01T00:00:00+00:00"}\n\n')
    assert event.sse is event.sse

