"""Dict-backed runs, task instances, event logs and leases for unit tests and
`build_in_memory()`. One object plays both ports because leases live on the run rows."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from flowauto.domain.errors import ConflictError, RunChangedError, RunLeaseLostError
from flowauto.domain.paging import Page, RunQuery, RunSortKey, SortOrder
from flowauto.domain.run import RUNNABLE, Run, RunEvent, RunStatus, TaskInstance
from flowauto.domain.run_stats import RunStats
from flowauto.ports.event_outbox import EventOutbox
from flowauto.ports.run_lease import FIRST_EPOCH, InitialLease, Lease, RunLeases
from flowauto.ports.run_repository import RunRepository

IDEMPOTENCY_WINDOW_S = 24 * 3600


@dataclasses.dataclass(slots=True)
class _Hold:
    owner: str = ""
    until_ms: int = 0
    epoch: int = 0


class InMemoryRunRepository(RunRepository, RunLeases, EventOutbox):
    """No await between a check and its write anywhere below: every call is atomic."""

    def __init__(self) -> None:
        self._runs: dict[str, Run] = {}
        self._holds: dict[str, _Hold] = {}
        self._tasks: dict[str, dict[str, TaskInstance]] = {}
        self._task_runs: dict[str, str] = {}
        self._events: dict[str, list[RunEvent]] = {}
        self._keys: dict[str, str] = {}
        self._published: set[tuple[str, int]] = set()

    async def add(
        self, run: Run, events: Sequence[RunEvent], idempotency_key: str = "",
        lease: InitialLease | None = None,
    ) -> str:  # fmt: skip
        if idempotency_key:
            held = self._runs.get(self._keys.get(idempotency_key, ""))
            if held is not None and run.created_at - held.created_at < IDEMPOTENCY_WINDOW_S:
                return held.id
        if run.id in self._runs:
            raise ConflictError(f"run {run.id} already exists", detail={"id": run.id})
        self._runs[run.id] = run
        self._holds[run.id] = (
            _Hold(owner=lease.owner, until_ms=lease.until_ms, epoch=FIRST_EPOCH)
            if lease
            else _Hold()
        )
        self._tasks[run.id] = {}
        self._events[run.id] = list(events)
        if idempotency_key:
            self._keys[idempotency_key] = run.id
        return run.id

    async def get(self, run_id: str) -> Run | None:
        return self._runs.get(run_id)

    async def save(
        self,
        run: Run,
        tasks: Sequence[TaskInstance],
        events: Sequence[RunEvent],
        *,
        expected_seq: int,
        epoch: int | None = None,
    ) -> None:
        stored = self._runs.get(run.id)
        if stored is None or stored.event_seq != expected_seq:
            raise RunChangedError(run.id)
        if epoch is not None and self._holds[run.id].epoch != epoch:
            raise RunLeaseLostError(run.id)
        self._runs[run.id] = run
        by_key = self._tasks[run.id]
        for task in tasks:
            previous = by_key.get(task.key)
            by_key[task.key] = (
                task if previous is None else dataclasses.replace(task, id=previous.id)
            )
            self._task_runs[by_key[task.key].id] = run.id
        self._events[run.id].extend(events)

    async def tasks(self, run_id: str) -> list[TaskInstance]:
        return list(self._tasks.get(run_id, {}).values())

    async def get_task(self, task_id: str) -> TaskInstance | None:
        run_id = self._task_runs.get(task_id)
        if run_id is None:
            return None
        return next((t for t in self._tasks[run_id].values() if t.id == task_id), None)

    async def find(self, query: RunQuery) -> Page[Run]:
        matching = [run for run in self._runs.values() if _matches(run, query)]
        matching.sort(
            key=lambda run: (_sort_value(run, query.sort_by), run.id),
            reverse=query.order is SortOrder.DESC,
        )
        start = query.page * query.limit
        return Page(
            total=len(matching),
            page=query.page,
            limit=query.limit,
            items=tuple(matching[start : start + query.limit]),
        )

    async def count_by_status(self, biz_domain_id: str, dag_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for run in self._runs.values():
            if run.biz_domain_id == biz_domain_id and run.dag_id == dag_id and not run.debug:
                counts[run.status.value] = counts.get(run.status.value, 0) + 1
        return counts

    async def events_after(self, run_id: str, seq: int, limit: int) -> list[RunEvent]:
        return [event for event in self._events.get(run_id, []) if event.seq > seq][:limit]

    async def stats(self, now_ms: int) -> RunStats:
        by_status: dict[str, int] = {}
        for run in self._runs.values():
            by_status[run.status.value] = by_status.get(run.status.value, 0) + 1
        waiting = [run.created_at for run in self._runs.values() if self._claimable(run, now_ms)]
        oldest = min(waiting) * 1000 if waiting else None
        return RunStats(by_status=by_status, queue_depth=len(waiting), oldest_pending_ms=oldest)

    async def unpublished(self, limit: int) -> list[RunEvent]:
        waiting = (
            event
            for events in self._events.values()
            for event in events
            if (event.run_id, event.seq) not in self._published
        )
        return sorted(waiting, key=lambda e: (e.at_ms, e.run_id, e.seq))[:limit]

    async def mark_published(self, events: Sequence[RunEvent]) -> None:
        self._published.update((event.run_id, event.seq) for event in events)

    async def claim(self, worker: str, now_ms: int, lease_ms: int, limit: int) -> list[Lease]:
        leases: list[Lease] = []
        for run_id in list(self._runs):
            if len(leases) >= limit:
                break
            lease = self._take(worker, run_id, now_ms, lease_ms)
            if lease is not None:
                leases.append(lease)
        return leases

    async def claim_run(self, worker: str, run_id: str, now_ms: int, lease_ms: int) -> Lease | None:
        return self._take(worker, run_id, now_ms, lease_ms) if run_id in self._runs else None

    async def renew(
        self, worker: str, leases: Sequence[Lease], now_ms: int, lease_ms: int
    ) -> list[str]:
        lost: list[str] = []
        for lease in leases:
            hold = self._holds.get(lease.run_id)
            if hold is None or hold.owner != worker or hold.epoch != lease.epoch:
                lost.append(lease.run_id)
            else:
                hold.until_ms = now_ms + lease_ms
        return lost

    async def release(self, worker: str, lease: Lease) -> None:
        hold = self._holds.get(lease.run_id)
        if hold is not None and hold.owner == worker and hold.epoch == lease.epoch:
            hold.owner, hold.until_ms = "", 0

    async def reclaim(self, worker: str, now_ms: int, lease_ms: int) -> list[Lease]:
        leases: list[Lease] = []
        for run_id, hold in self._holds.items():
            if hold.owner == worker and not self._runs[run_id].terminal:
                hold.until_ms, hold.epoch = now_ms + lease_ms, hold.epoch + 1
                leases.append(Lease(run_id=run_id, epoch=hold.epoch))
        return leases

    async def revoke(self, run_id: str) -> None:
        hold = self._holds.get(run_id)
        if hold is not None:
            hold.owner, hold.until_ms, hold.epoch = "", 0, hold.epoch + 1

    def _take(self, worker: str, run_id: str, now_ms: int, lease_ms: int) -> Lease | None:
        if not self._claimable(self._runs[run_id], now_ms):
            return None
        hold = self._holds[run_id]
        # Released and revoked runs have no owner: a name left means its lease ran out.
        taken_over = bool(hold.owner)
        hold.owner, hold.until_ms, hold.epoch = worker, now_ms + lease_ms, hold.epoch + 1
        return Lease(run_id=run_id, epoch=hold.epoch, taken_over=taken_over)

    def _claimable(self, run: Run, now_ms: int) -> bool:
        hold = self._holds[run.id]
        return _can_progress(run, now_ms) and not (hold.owner and hold.until_ms > now_ms)


def _can_progress(run: Run, now_ms: int) -> bool:
    if run.status in RUNNABLE:
        return True
    return (
        run.status is RunStatus.BLOCKED and run.wake_at_ms is not None and run.wake_at_ms <= now_ms
    )


def _matches(run: Run, query: RunQuery) -> bool:
    return (
        run.biz_domain_id == query.biz_domain_id
        and (query.dag_id is None or run.dag_id == query.dag_id)
        and (not query.statuses or run.status.value in query.statuses)
        and (query.start_time is None or run.created_at >= query.start_time)
        and (query.end_time is None or run.created_at <= query.end_time)
        and (query.name is None or query.name.lower() in run.name.lower())
        and (query.include_debug or not run.debug)
    )


def _sort_value(run: Run, key: RunSortKey) -> int:
    value = {
        RunSortKey.STARTED_AT: run.started_at,
        RunSortKey.ENDED_AT: run.ended_at,
        RunSortKey.CREATED_AT: run.created_at,
    }[key]
    return -1 if value is None else value
