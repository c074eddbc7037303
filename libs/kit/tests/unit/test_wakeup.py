"""The polling loops' sleep: woken early, timed out, and — what ``asyncio.wait_for`` gets
wrong on Python 3.11 — always stoppable."""

from __future__ import annotations

import asyncio

from kit.wakeup import woken


async def test_it_says_whether_it_was_woken_or_timed_out() -> None:
    event = asyncio.Event()
    assert await woken(event, within=0.01) is False
    asyncio.get_running_loop().call_later(0.01, event.set)
    assert await woken(event, within=5) is True


async def _poll(event: asyncio.Event) -> None:
    while True:
        event.clear()
        await woken(event, within=0.05)


async def test_a_polling_loop_stops_when_cancelled_just_as_it_is_woken() -> None:
    # The wake-up and the cancellation land in the same turn of the event loop: wait_for
    # returned the wake-up and dropped the cancellation, every time, and the loop went on.
    for _ in range(50):
        event = asyncio.Event()
        loop = asyncio.create_task(_poll(event))
        await asyncio.sleep(0.001)
        event.set()
        await asyncio.sleep(0)  # the event's waiter completes
        loop.cancel()
        done, _ = await asyncio.wait([loop], timeout=1)
        assert done, "the loop swallowed its cancellation"
        assert loop.cancelled()


async def _work_that_swallows_cancellation() -> None:
    """What ``asyncio.wait_for`` does on 3.11 when the cancellation and the result meet."""
    done = asyncio.get_running_loop().create_future()
    done.set_result(None)
    task = asyncio.current_task()
    assert task is not None
    task.cancel()
    await asyncio.wait_for(done, timeout=1)


async def test_a_loop_stops_at_its_pause_when_its_work_swallowed_the_cancellation() -> None:
    rounds = 0

    async def loop() -> None:
        nonlocal rounds
        while True:
            rounds += 1
            await _work_that_swallows_cancellation()
            await woken(asyncio.Event(), within=0.01)

    task = asyncio.create_task(loop())
    done, _ = await asyncio.wait([task], timeout=1)

    assert done, "the loop went on after its cancellation"
    assert task.cancelled()
    assert rounds == 1
