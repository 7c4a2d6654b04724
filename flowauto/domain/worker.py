"""The processes of a deployment, as they announce themselves (`GET /admin/workers`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkerBeat:
    """A process's latest heartbeat. `id` is the name its run leases carry; `roles` are the
    roles it runs (`api`, `scheduler`, `worker`); `held_runs` is how many runs it drives."""

    id: str
    host: str
    roles: tuple[str, ...]
    started_at_ms: int
    last_beat_ms: int
    held_runs: int = 0
