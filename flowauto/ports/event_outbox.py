"""Run events written with the state they describe, waiting to be published on the bus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flowauto.domain.run import RunEvent


class EventOutbox(Protocol):
    async def unpublished(self, limit: int) -> list[RunEvent]:
        """Returns up to `limit` events not yet marked published, each run's in order."""
        ...

    async def mark_published(self, events: Sequence[RunEvent]) -> None:
        """Marks the events published (a no-op for ones already marked)."""
        ...
