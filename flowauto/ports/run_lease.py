"""Which worker drives which run: leases with a fencing epoch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class Lease:
    """A worker's hold on a run; `epoch` grows on every claim, so a worker whose lease ran out
    can no longer write once another worker has claimed the run.

    `taken_over`: the run was claimed from a holder whose lease had run out without a release
    (that holder died or stalled), not from nobody."""

    run_id: str
    epoch: int
    taken_over: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class InitialLease:
    """Who holds a run from the moment it is stored (epoch 1), and until when."""

    owner: str
    until_ms: int


FIRST_EPOCH = 1


class RunLeases(Protocol):
    async def claim(self, worker: str, now_ms: int, lease_ms: int, limit: int) -> list[Lease]:
        """Takes up to `limit` runs nobody holds (or whose lease expired) that can make
        progress: scheduled or running ones, and blocked ones whose timer is due. A lease
        taken from an expired holder says `taken_over`."""
        ...

    async def claim_run(self, worker: str, run_id: str, now_ms: int, lease_ms: int) -> Lease | None:
        """Takes this run when it can make progress and nobody holds it (or the lease expired,
        then `taken_over`); None otherwise."""
        ...

    async def renew(
        self, worker: str, leases: Sequence[Lease], now_ms: int, lease_ms: int
    ) -> list[str]:
        """Extends the leases still held; returns the ids of runs whose lease was lost."""
        ...

    async def release(self, worker: str, lease: Lease) -> None:
        """Gives the run up (a no-op when the lease was already lost)."""
        ...

    async def reclaim(self, worker: str, now_ms: int, lease_ms: int) -> list[Lease]:
        """Takes back the unfinished runs still held under this worker's name (after its
        restart); finished runs may keep their last holder's name, they are left alone."""
        ...

    async def revoke(self, run_id: str) -> None:
        """Ends whatever lease is held on the run, so its worker's next write or renewal fails."""
        ...
