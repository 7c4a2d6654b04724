"""The worker heartbeat loop, on the in-memory registry."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from flowauto.application.worker_heartbeat import WorkerHeartbeat, live_ttl_ms
from flowauto.domain.errors import StoreUnavailableError
from flowauto.domain.worker import WorkerBeat
from flowauto.driven_adapters.in_memory.worker_registry import InMemoryWorkerRegistry

NOW_MS = 1_800_000_000_000


class SetClock:
    def __init__(self, now_ms: int) -> None:
        self.ms = now_ms

    def now(self) -> int:
        return self.ms // 1000

    def now_ms(self) -> int:
        return self.ms


class FlakyRegistry(InMemoryWorkerRegistry):
    """Fails while `down`, like a store outage."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.attempts = 0

    async def beat(self, worker: WorkerBeat) -> None:
        self.attempts += 1
        if self.down:
            raise StoreUnavailableError("the SQL store is unavailable: OperationalError")
        await super().beat(worker)

    async def forget(self, worker_id: str) -> None:
        if self.down:
            raise StoreUnavailableError("the SQL store is unavailable: OperationalError")
        await super().forget(worker_id)


def heartbeat(
    registry: InMemoryWorkerRegistry, clock: SetClock, held: list[int]
) -> WorkerHeartbeat:
    return WorkerHeartbeat(
        registry=registry, clock=clock, worker_id="pod-a", host="pod-a.local",
        roles=["worker", "api"], held_runs=lambda: held[0], interval_ms=10,
    )  # fmt: skip


async def live(registry: InMemoryWorkerRegistry, clock: SetClock) -> list[WorkerBeat]:
    return await registry.live(clock.now_ms(), live_ttl_ms(10))


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Waits (up to 5 s) until the loop has done what `check` looks for."""
    async with asyncio.timeout(5):
        while True:
            if await check():
                return
            await asyncio.sleep(0.005)


async def test_a_beat_says_who_the_worker_is_and_what_it_holds() -> None:
    registry, clock = InMemoryWorkerRegistry(), SetClock(NOW_MS)
    beating = heartbeat(registry, clock, [4])
    clock.ms += 500
    await beating.beat()
    assert await live(registry, clock) == [
        WorkerBeat(id="pod-a", host="pod-a.local", roles=("api", "worker"),
                   started_at_ms=NOW_MS, last_beat_ms=NOW_MS + 500, held_runs=4),
    ]  # fmt: skip


async def test_the_loop_beats_with_fresh_figures_and_stop_forgets_the_worker() -> None:
    registry, clock = InMemoryWorkerRegistry(), SetClock(NOW_MS)
    held = [1]
    beating = heartbeat(registry, clock, held)
    await beating.start()
    try:
        await eventually(lambda: _beaten(registry, clock, held_runs=1, last_beat_ms=NOW_MS))
        held[0], clock.ms = 7, NOW_MS + 5
        await eventually(lambda: _beaten(registry, clock, held_runs=7, last_beat_ms=NOW_MS + 5))
    finally:
        await beating.stop()
    assert await live(registry, clock) == []


async def _beaten(
    registry: InMemoryWorkerRegistry, clock: SetClock, *, held_runs: int, last_beat_ms: int
) -> bool:
    seen = await live(registry, clock)
    return [(one.held_runs, one.last_beat_ms) for one in seen] == [(held_runs, last_beat_ms)]


async def test_an_outage_is_logged_once_and_beating_resumes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    registry, clock = FlakyRegistry(), SetClock(NOW_MS)
    registry.down = True
    beating = heartbeat(registry, clock, [0])
    with caplog.at_level(logging.WARNING, logger="flowauto.application.worker_heartbeat"):
        await beating.start()
        await eventually(lambda: _attempted(registry, 3))
        registry.down = False
        await eventually(lambda: _has_live(registry, clock))
        await beating.stop()
    messages = [record.getMessage() for record in caplog.records]
    assert sum("heartbeat failed" in message for message in messages) == 1
    assert sum("stored again" in message for message in messages) == 1
    assert await live(registry, clock) == []


async def test_stop_during_an_outage_does_not_raise() -> None:
    registry, clock = FlakyRegistry(), SetClock(NOW_MS)
    beating = heartbeat(registry, clock, [0])
    await beating.start()
    await eventually(lambda: _has_live(registry, clock))
    registry.down = True
    await beating.stop()
    assert [worker.id for worker in await live(registry, clock)] == ["pod-a"]


async def _attempted(registry: FlakyRegistry, times: int) -> bool:
    return registry.attempts >= times


async def _has_live(registry: InMemoryWorkerRegistry, clock: SetClock) -> bool:
    return bool(await live(registry, clock))
