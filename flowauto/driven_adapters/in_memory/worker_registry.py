"""Dict-backed worker heartbeats for unit tests and `build_in_memory()`."""

from __future__ import annotations

from flowauto.domain.worker import WorkerBeat
from flowauto.ports.worker_registry import WorkerRegistry


class InMemoryWorkerRegistry(WorkerRegistry):
    def __init__(self) -> None:
        self._beats: dict[str, WorkerBeat] = {}

    async def beat(self, worker: WorkerBeat) -> None:
        self._beats[worker.id] = worker

    async def live(self, now_ms: int, ttl_ms: int) -> list[WorkerBeat]:
        fresh = [beat for beat in self._beats.values() if beat.last_beat_ms >= now_ms - ttl_ms]
        return sorted(fresh, key=lambda beat: beat.id)

    async def forget(self, worker_id: str) -> None:
        self._beats.pop(worker_id, None)
