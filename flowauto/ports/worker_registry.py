"""Where the processes of a deployment announce themselves (the SQL store: every replica
shares it)."""

from __future__ import annotations

from typing import Protocol

from flowauto.domain.worker import WorkerBeat


class WorkerRegistry(Protocol):
    async def beat(self, worker: WorkerBeat) -> None:
        """Stores the worker's latest heartbeat, replacing the one before (by `id`)."""
        ...

    async def live(self, now_ms: int, ttl_ms: int) -> list[WorkerBeat]:
        """Returns the workers whose last beat is at most `ttl_ms` old at `now_ms`, by id."""
        ...

    async def forget(self, worker_id: str) -> None:
        """Removes the worker (on a clean shutdown); a no-op when it is absent."""
        ...
