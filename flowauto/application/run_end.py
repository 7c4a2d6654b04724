"""Who hears that a run ended (alarms): called by the engine after the run's final write."""

from __future__ import annotations

import asyncio
from typing import Protocol

from flowauto.domain.run import Run


class RunEndListener(Protocol):
    async def run_ended(self, run: Run) -> None:
        """Reacts to a run that reached success, failed or canceled; must not raise."""
        ...


class RunEndListeners:
    """Tells every listener about an ended run in the background: notifications (mail,
    webhooks) must not hold a worker's slot or an API answer."""

    def __init__(self) -> None:
        self._listeners: list[RunEndListener] = []
        self._pending: set[asyncio.Task[None]] = set()

    def add(self, listener: RunEndListener) -> None:
        self._listeners.append(listener)

    def tell(self, run: Run) -> None:
        for listener in self._listeners:
            task = asyncio.create_task(listener.run_ended(run), name=f"run-ended-{run.id}")
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
