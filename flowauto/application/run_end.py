"""Who hears that a run ended (alarms): called by the engine after the run's final write."""

from __future__ import annotations

from typing import Protocol

from flowauto.domain.run import Run


class RunEndListener(Protocol):
    async def run_ended(self, run: Run) -> None:
        """Reacts to a run that reached success, failed or canceled; must not raise."""
        ...
