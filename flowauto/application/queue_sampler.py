"""Samples how many runs wait for a worker into the `flowauto_queue_depth` gauge.

One aggregate read every `interval_ms` in each process with the worker role: cheap for the
store, and fresh enough for a dashboard or an autoscaler."""

from __future__ import annotations

import asyncio
import logging

from flowauto.application.background import cancel_and_wait
from flowauto.domain.errors import DomainError
from flowauto.ports.clock import Clock
from flowauto.ports.run_repository import RunRepository
from flowauto.ports.telemetry import Metrics

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_MS = 5_000


class QueueDepthSampler:
    def __init__(
        self, *, runs: RunRepository, metrics: Metrics, clock: Clock,
        interval_ms: int = DEFAULT_INTERVAL_MS,
    ) -> None:  # fmt: skip
        self._runs = runs
        self._metrics = metrics
        self._clock = clock
        self._interval_s = interval_ms / 1000
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="queue-depth-sampler")

    async def stop(self) -> None:
        await cancel_and_wait(self._loop)
        self._loop = None

    async def sample(self) -> None:
        stats = await self._runs.stats(self._clock.now_ms())
        self._metrics.queue_depth(stats.queue_depth)

    async def _run(self) -> None:
        while True:
            try:
                await self.sample()
            except DomainError as error:
                log.debug("queue depth not sampled: %s", error.message)
            await asyncio.sleep(self._interval_s)
