"""Every process announces itself in the shared worker registry (`GET /admin/workers`).

It beats every `interval_ms` with what it drives; a process whose beats stop (killed,
partitioned) drops out of the live list after `LIVE_BEATS` missed intervals, and a clean
shutdown removes it at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from flowauto.application.background import cancel_and_wait
from flowauto.domain.worker import WorkerBeat
from flowauto.ports.clock import Clock
from flowauto.ports.worker_registry import WorkerRegistry

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_MS = 2_000
# A worker is live while its last beat is younger than this many intervals: one late beat
# (a busy event loop, a slow store) does not make it vanish.
LIVE_BEATS = 3


def live_ttl_ms(interval_ms: int) -> int:
    """How old a worker's last beat may be for it to count as live."""
    return LIVE_BEATS * interval_ms


class WorkerHeartbeat:
    def __init__(
        self, *, registry: WorkerRegistry, clock: Clock, worker_id: str, host: str,
        roles: Sequence[str], held_runs: Callable[[], int],
        interval_ms: int = DEFAULT_INTERVAL_MS,
    ) -> None:  # fmt: skip
        """`held_runs` tells how many runs this process drives now (0 without an engine)."""
        self._registry = registry
        self._clock = clock
        self._worker_id = worker_id
        self._host = host
        self._roles = tuple(sorted(roles))
        self._held_runs = held_runs
        self._interval_ms = interval_ms
        self._started_at_ms = clock.now_ms()
        self._loop: asyncio.Task[None] | None = None
        self._down = False

    @property
    def interval_ms(self) -> int:
        return self._interval_ms

    async def start(self) -> None:
        self._started_at_ms = self._clock.now_ms()
        self._loop = asyncio.create_task(self._run(), name="worker-heartbeat")

    async def stop(self) -> None:
        """Stops beating and leaves the registry, so the worker drops out of the list now."""
        await cancel_and_wait(self._loop)
        self._loop = None
        try:
            await self._registry.forget(self._worker_id)
        except Exception as error:
            log.warning(
                "leaving the worker registry failed (%s: %s); the entry ages out",
                type(error).__name__,
                error,
            )

    async def beat(self) -> None:
        """Stores one beat now; store errors are the caller's."""
        await self._registry.beat(
            WorkerBeat(
                id=self._worker_id,
                host=self._host,
                roles=self._roles,
                started_at_ms=self._started_at_ms,
                last_beat_ms=self._clock.now_ms(),
                held_runs=self._held_runs(),
            )
        )

    async def _run(self) -> None:
        while True:
            try:
                await self.beat()
            except Exception as error:
                self._failed(error)
            else:
                self._recovered()
            await asyncio.sleep(self._interval_ms / 1000)

    def _failed(self, error: Exception) -> None:
        """Logs an outage once when it starts, not on every beat."""
        if not self._down:
            log.warning(
                "worker heartbeat failed (%s: %s); retrying until the store answers",
                type(error).__name__,
                error,
            )
        self._down = True

    def _recovered(self) -> None:
        if self._down:
            log.warning("worker heartbeat stored again")
        self._down = False
