"""The operators' view of a deployment (SPEC section 8, private port): live workers, the run
queue, and a forced sweep of runnable runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flowauto.application.worker_heartbeat import DEFAULT_INTERVAL_MS, live_ttl_ms
from flowauto.domain.run_stats import RunStats
from flowauto.domain.worker import WorkerBeat
from flowauto.ports.clock import Clock
from flowauto.ports.run_repository import RunRepository
from flowauto.ports.worker_registry import WorkerRegistry

NO_WORKER_ROLE = (
    "this process has no worker role, so it claims no runs; send the call to a worker replica"
)


class Sweeper(Protocol):
    """What recovery needs of the engine (`RunEngine` is one)."""

    @property
    def worker(self) -> str: ...

    async def sweep(self) -> int: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueStats:
    runs: RunStats
    oldest_pending_age_ms: int | None
    """How long the oldest run waiting for a worker has existed; None when none wait."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Recovery:
    """What a forced sweep claimed. `swept` is False (and `message` says why) in a process
    without an engine: nothing was looked at."""

    claimed: int
    worker: str | None
    swept: bool
    message: str = ""


class AdminService:
    def __init__(
        self, *, registry: WorkerRegistry, runs: RunRepository, clock: Clock,
        engine: Sweeper | None, beat_interval_ms: int = DEFAULT_INTERVAL_MS,
    ) -> None:  # fmt: skip
        """`engine` is None in a process without the worker role."""
        self._registry = registry
        self._runs = runs
        self._clock = clock
        self._engine = engine
        self._ttl_ms = live_ttl_ms(beat_interval_ms)

    async def workers(self) -> list[WorkerBeat]:
        """The processes whose last heartbeat is recent, by id."""
        return await self._registry.live(self._clock.now_ms(), self._ttl_ms)

    async def stats(self) -> QueueStats:
        now_ms = self._clock.now_ms()
        runs = await self._runs.stats(now_ms)
        return QueueStats(runs=runs, oldest_pending_age_ms=runs.oldest_pending_age_ms(now_ms))

    async def recover(self) -> Recovery:
        """Claims every runnable run nobody holds now, on this process's engine."""
        if self._engine is None:
            return Recovery(claimed=0, worker=None, swept=False, message=NO_WORKER_ROLE)
        claimed = await self._engine.sweep()
        return Recovery(claimed=claimed, worker=self._engine.worker, swept=True)
