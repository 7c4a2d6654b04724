"""Where runs, their task instances and their event log are kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flowauto.domain.paging import Page, RunQuery
from flowauto.domain.run import Run, RunEvent, TaskInstance
from flowauto.domain.run_stats import RunStats
from flowauto.ports.run_lease import InitialLease


class RunRepository(Protocol):
    """Every write of a run compare-and-sets on `Run.event_seq`, so two writers never both win
    and the event log stays gap-free: a write's events carry the numbers after `expected_seq`.
    """

    async def add(
        self, run: Run, events: Sequence[RunEvent], idempotency_key: str = "",
        lease: InitialLease | None = None,
    ) -> str:  # fmt: skip
        """Stores a new run; with a key already used for a run of the last 24 hours, stores
        nothing and returns that run's id. Returns the id of the run that holds the key.

        With `lease`, the run is stored already held by `lease.owner` until `lease.until_ms`
        at epoch 1 (the starting worker drives it without a separate claim)."""
        ...

    async def get(self, run_id: str) -> Run | None:
        """Returns the run, or None when absent."""
        ...

    async def save(
        self,
        run: Run,
        tasks: Sequence[TaskInstance],
        events: Sequence[RunEvent],
        *,
        expected_seq: int,
        epoch: int | None = None,
    ) -> None:
        """Writes the run, upserts the tasks (by run and key) and appends the events, at once.

        Raises RunChangedError when the stored `event_seq` is not `expected_seq`, and
        RunLeaseLostError when `epoch` is given and the run's lease epoch differs.
        """
        ...

    async def tasks(self, run_id: str) -> list[TaskInstance]:
        """Returns the run's task instances in creation order."""
        ...

    async def get_task(self, task_id: str) -> TaskInstance | None:
        """Returns the task instance, or None when absent."""
        ...

    async def find(self, query: RunQuery) -> Page[Run]:
        """Returns one page of the runs that match, ties in the sort key broken by id."""
        ...

    async def count_by_status(self, biz_domain_id: str, dag_id: str) -> dict[str, int]:
        """Returns how many non-debug runs of the DAG are in each status (absent ones left out)."""
        ...

    async def events_after(self, run_id: str, seq: int, limit: int) -> list[RunEvent]:
        """Returns up to `limit` events of the run with a sequence number above `seq`, in order."""
        ...

    async def stats(self, now_ms: int) -> RunStats:
        """Returns the runs per status over every domain, and those a worker could claim at
        `now_ms` (as `RunLeases.claim` would see them): how many, and when the oldest of them
        was created."""
        ...
