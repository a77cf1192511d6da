"""The live streams' shared reads and wake-ups (apps.jobs.streams), without a database:
the loader is a stand-in the test releases by hand, so nothing depends on timing."""

import asyncio

import pytest

from apps.jobs.streams import Wake, _SharedReads

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


async def test_subscribers_woken_by_the_same_event_share_one_read():
    reads, load = _SharedReads(), Loader()
    load.rows = [{"id": 5}]
    waiting = [asyncio.ensure_future(reads.read("job", 4, 5, load)) for _ in range(3)]
    await settle()
    load.release.set()
    assert [await w for w in waiting] == [[{"id": 5}]] * 3
    assert load.calls == [("job", 4)]


async def test_a_subscriber_woken_by_a_newer_event_does_not_join_an_older_read():
    """The read under way may have begun before event 6 was committed: joining it would
    leave event 6 unread until the next wake-up."""
    reads, load = _SharedReads(), Loader()
    load.rows = [{"id": 5}]
    older = asyncio.ensure_future(reads.read("job", 4, 5, load))
    await settle()
    load.rows = [{"id": 5}, {"id": 6}]
    newer = asyncio.ensure_future(reads.read("job", 4, 6, load))
    await settle()
    load.release.set()
    assert await older == [{"id": 5}]
    assert await newer == [{"id": 5}, {"id": 6}]
    assert load.calls == [("job", 4), ("job", 4)]


async def test_reads_from_other_positions_or_jobs_are_not_shared():
    reads, load = _SharedReads(), Loader()
    waiting = [asyncio.ensure_future(reads.read(job, after, 0, load))
               for job, after in (("a", 1), ("a", 2), ("b", 1))]
    await settle()
    load.release.set()
    await asyncio.gather(*waiting)
    assert sorted(load.calls) == [("a", 1), ("a", 2), ("b", 1)]


async def test_a_subscriber_that_leaves_does_not_cancel_the_read_of_the_others():
    reads, load = _SharedReads(), Loader()
    load.rows = [{"id": 1}]
    leaving = asyncio.ensure_future(reads.read("job", 0, 0, load))
    staying = asyncio.ensure_future(reads.read("job", 0, 0, load))
    await settle()
    leaving.cancel()
    load.release.set()
    assert await staying == [{"id": 1}]
    assert leaving.cancelled()


async def test_a_finished_read_is_not_served_again():
    reads, load = _SharedReads(), Loader()
    load.release.set()
    load.rows = [{"id": 1}]
    assert await reads.read("job", 0, 0, load) == [{"id": 1}]
    load.rows = [{"id": 1}, {"id": 2}]
    assert await reads.read("job", 0, 0, load) == [{"id": 1}, {"id": 2}]


async def test_a_wake_remembers_the_newest_announced_event_and_a_set_before_the_wait():
    wake = Wake()
    wake.set(7)
    wake.set(3)
    wake.set(None)  # a wake-up without an id (or a poll) keeps what was announced
    assert wake.announced == 7
    await asyncio.wait_for(wake.wait(timeout=60), timeout=5)  # set already: no wait
    wake.clear()
    waiter = asyncio.ensure_future(wake.wait(timeout=60))
    await settle()
    assert not waiter.done()
    wake.set(8)
    await asyncio.wait_for(waiter, timeout=5)
    assert wake.announced == 8
