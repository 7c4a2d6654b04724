"""Runs, task instances, event logs and leases on SQLAlchemy Core (SQLite, MySQL/MariaDB)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, RowMapping, and_, bindparam, func, or_, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import Executable

from flowauto.domain.errors import ConflictError, RunChangedError, RunLeaseLostError
from flowauto.domain.paging import Page, RunQuery, RunSortKey, SortOrder
from flowauto.domain.run import TERMINAL_RUN, Run, RunEvent, RunStatus, TaskInstance
from flowauto.domain.run_stats import RunStats
from flowauto.driven_adapters.run_record import (
    EVENT_JSON_FIELDS,
    RUN_JSON_FIELDS,
    TASK_JSON_FIELDS,
    event_from_record,
    event_record,
    run_from_record,
    run_record,
    task_from_record,
    task_record,
)
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.tables import run_events, run_tasks, runs
from flowauto.driven_adapters.sql.write_batch import RunWrite, WriteBatcher
from flowauto.ports.event_outbox import EventOutbox
from flowauto.ports.run_lease import FIRST_EPOCH, InitialLease, Lease, RunLeases
from flowauto.ports.run_repository import RunRepository

IDEMPOTENCY_WINDOW_S = 24 * 3600
_ENCODER = msgspec.json.Encoder()
_LEASE_AND_KEY = ("owner", "lease_until_ms", "epoch", "idempotency_key")
_RUNNABLE = (RunStatus.SCHEDULED.value, RunStatus.RUNNING.value)
_ENDED = tuple(status.value for status in TERMINAL_RUN)
_SORT_COLUMNS = {
    RunSortKey.STARTED_AT: runs.c.started_at,
    RunSortKey.ENDED_AT: runs.c.ended_at,
    RunSortKey.CREATED_AT: runs.c.created_at,
}
_TASK_UPDATED = [c.name for c in run_tasks.columns if c.name not in ("id", "run_id", "task_key")]
_RUN_WRITTEN = [c.name for c in runs.columns if c.name not in _LEASE_AND_KEY and c.name != "id"]
# What a claim reads of a run before its compare-and-set.
_CANDIDATE = (runs.c.id, runs.c.epoch, runs.c.owner)


def _save_statement(fenced: bool) -> Executable:
    """The run's compare-and-set on its event sequence (and lease epoch when fenced)."""
    condition = and_(
        runs.c.id == bindparam("expected_id"), runs.c.event_seq == bindparam("expected_seq")
    )
    if fenced:
        condition = and_(condition, runs.c.epoch == bindparam("expected_epoch"))
    return runs.update().where(condition).values({name: bindparam(name) for name in _RUN_WRITTEN})


_SAVE = _save_statement(fenced=False)
_RUN_INSERT = runs.insert()
_SAVE_FENCED = _save_statement(fenced=True)


class SqlRunRepository(RunRepository, RunLeases, EventOutbox):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._mysql = engine.dialect.name in ("mysql", "mariadb")
        # Built once: statements with bound parameters compile once and hit SQLAlchemy's cache.
        self._task_upsert_statement = self._task_upsert()
        sqlite = engine.dialect.name == "sqlite"
        self._batcher = WriteBatcher(engine, self._task_upsert_statement) if sqlite else None

    async def add(
        self, run: Run, events: Sequence[RunEvent], idempotency_key: str = "",
        lease: InitialLease | None = None,
    ) -> str:  # fmt: skip
        row = _encoded(run_record(run), RUN_JSON_FIELDS)
        row.update(owner="", lease_until_ms=0, epoch=0, idempotency_key=idempotency_key or None)
        if lease is not None:
            row.update(owner=lease.owner, lease_until_ms=lease.until_ms, epoch=FIRST_EPOCH)
        for _ in range(2):
            try:
                await self._write(_RUN_INSERT, row, run.id, None, [], events)
                return run.id
            except IntegrityError as error:
                held = await self._holder(idempotency_key) if idempotency_key else None
                if held is None:
                    raise ConflictError(f"run {run.id} already exists") from error
                if run.created_at - held[1] < IDEMPOTENCY_WINDOW_S:
                    return held[0]
                await self._forget_key(idempotency_key)
        raise ConflictError(f"idempotency key {idempotency_key!r} is in use")

    async def get(self, run_id: str) -> Run | None:
        async with reading(self._engine) as connection:
            row = (await connection.execute(select(runs).where(runs.c.id == run_id))).first()
        return None if row is None else run_from_record(_decoded(row._mapping, RUN_JSON_FIELDS))

    async def save(
        self,
        run: Run,
        tasks: Sequence[TaskInstance],
        events: Sequence[RunEvent],
        *,
        expected_seq: int,
        epoch: int | None = None,
    ) -> None:
        record = _encoded(run_record(run), RUN_JSON_FIELDS)
        record.update(expected_id=run.id, expected_seq=expected_seq, expected_epoch=epoch)
        statement = _SAVE_FENCED if epoch is not None else _SAVE
        await self._write(statement, record, run.id, epoch, tasks, events)

    async def _write(
        self, head: Executable, params: dict[str, Any], run_id: str, epoch: int | None,
        tasks: Sequence[TaskInstance], events: Sequence[RunEvent],
    ) -> None:  # fmt: skip
        """The run row (insert or compare-and-set), then its tasks and events, atomically."""
        write = RunWrite(
            head=head, params=params, run_id=run_id, insert=head is _RUN_INSERT, epoch=epoch,
            tasks=[_encoded(task_record(task), TASK_JSON_FIELDS) for task in tasks],
            events=[_encoded(event_record(event), EVENT_JSON_FIELDS) for event in events],
        )  # fmt: skip
        if self._batcher is not None:
            await self._batcher.write(write)
            return
        async with transaction(self._engine) as connection:
            result = await connection.execute(head, params)
            if not write.insert and result.rowcount != 1:
                await self._explain_miss(connection, run_id, epoch)
            if write.tasks:
                await connection.execute(self._task_upsert_statement, write.tasks)
            if write.events:
                await connection.execute(run_events.insert(), write.events)

    async def tasks(self, run_id: str) -> list[TaskInstance]:
        statement = (
            select(run_tasks)
            .where(run_tasks.c.run_id == run_id)
            .order_by(func.length(run_tasks.c.id), run_tasks.c.id)
        )
        async with reading(self._engine) as connection:
            rows = (await connection.execute(statement)).all()
        return [task_from_record(_decoded(row._mapping, TASK_JSON_FIELDS)) for row in rows]

    async def get_task(self, task_id: str) -> TaskInstance | None:
        async with reading(self._engine) as connection:
            statement = select(run_tasks).where(run_tasks.c.id == task_id)
            row = (await connection.execute(statement)).first()
        return None if row is None else task_from_record(_decoded(row._mapping, TASK_JSON_FIELDS))

    async def find(self, query: RunQuery) -> Page[Run]:
        condition = _filters(query)
        sort = _SORT_COLUMNS[query.sort_by]
        desc = query.order is SortOrder.DESC
        order = (sort.desc(), runs.c.id.desc()) if desc else (sort.asc(), runs.c.id.asc())
        page = select(runs).where(condition).order_by(*order)
        page = page.limit(query.limit).offset(query.page * query.limit)
        async with reading(self._engine) as connection:
            total = await connection.scalar(select(func.count()).select_from(runs).where(condition))
            rows = (await connection.execute(page)).all()
        items = tuple(run_from_record(_decoded(row._mapping, RUN_JSON_FIELDS)) for row in rows)
        return Page(total=int(total or 0), page=query.page, limit=query.limit, items=items)

    async def count_by_status(self, biz_domain_id: str, dag_id: str) -> dict[str, int]:
        statement = (
            select(runs.c.status, func.count())
            .where(
                runs.c.biz_domain_id == biz_domain_id,
                runs.c.dag_id == dag_id,
                runs.c.debug.is_(False),
            )
            .group_by(runs.c.status)
        )
        async with reading(self._engine) as connection:
            rows = (await connection.execute(statement)).all()
        return {str(status): int(count) for status, count in rows}

    async def events_after(self, run_id: str, seq: int, limit: int) -> list[RunEvent]:
        statement = (
            select(run_events)
            .where(run_events.c.run_id == run_id, run_events.c.seq > seq)
            .order_by(run_events.c.seq)
            .limit(limit)
        )
        async with reading(self._engine) as connection:
            rows = (await connection.execute(statement)).all()
        return [event_from_record(_decoded(row._mapping, EVENT_JSON_FIELDS)) for row in rows]

    async def stats(self, now_ms: int) -> RunStats:
        # Two reads, each served by ix_runs_status_wake: the count per status scans the index
        # alone; the waiting runs are a range of it (runnable statuses, blocked and due).
        per_status = select(runs.c.status, func.count()).group_by(runs.c.status)
        waiting = select(func.count(), func.min(runs.c.created_at)).where(
            _can_progress(now_ms), _free(now_ms)
        )
        async with reading(self._engine) as connection:
            counts = (await connection.execute(per_status)).all()
            depth, oldest = (await connection.execute(waiting)).one()
        return RunStats(
            by_status={str(status): int(count) for status, count in counts},
            queue_depth=int(depth or 0),
            oldest_pending_ms=None if oldest is None else int(oldest) * 1000,
        )

    async def unpublished(self, limit: int) -> list[RunEvent]:
        statement = (
            select(run_events)
            .where(run_events.c.published_at_ms.is_(None))
            .order_by(run_events.c.at_ms, run_events.c.run_id, run_events.c.seq)
            .limit(limit)
        )
        async with reading(self._engine) as connection:
            rows = (await connection.execute(statement)).all()
        return [event_from_record(_decoded(row._mapping, EVENT_JSON_FIELDS)) for row in rows]

    async def mark_published(self, events: Sequence[RunEvent]) -> None:
        if not events:
            return
        statement = (
            run_events.update()
            .where(
                run_events.c.run_id == bindparam("marked_run"),
                run_events.c.seq == bindparam("marked_seq"),
            )
            .values(published_at_ms=bindparam("marked_at"))
        )
        now_ms = int(time.time() * 1000)
        rows = [{"marked_run": e.run_id, "marked_seq": e.seq, "marked_at": now_ms} for e in events]
        async with transaction(self._engine) as connection:
            await connection.execute(statement, rows)

    async def claim(self, worker: str, now_ms: int, lease_ms: int, limit: int) -> list[Lease]:
        candidates = (
            select(*_CANDIDATE)
            .where(_can_progress(now_ms), _free(now_ms))
            .order_by(runs.c.created_at)
            .limit(limit)
        )
        async with transaction(self._engine) as connection:
            rows = (await connection.execute(candidates)).all()
            return await self._take(connection, worker, rows, now_ms, lease_ms)

    async def claim_run(self, worker: str, run_id: str, now_ms: int, lease_ms: int) -> Lease | None:
        candidate = select(*_CANDIDATE).where(
            runs.c.id == run_id, _can_progress(now_ms), _free(now_ms)
        )
        async with transaction(self._engine) as connection:
            rows = (await connection.execute(candidate)).all()
            taken = await self._take(connection, worker, rows, now_ms, lease_ms)
        return taken[0] if taken else None

    async def renew(
        self, worker: str, leases: Sequence[Lease], now_ms: int, lease_ms: int
    ) -> list[str]:
        lost: list[str] = []
        async with transaction(self._engine) as connection:
            for lease in leases:
                statement = (
                    runs.update()
                    .where(_held(worker, lease))
                    .values(lease_until_ms=now_ms + lease_ms)
                )
                if (await connection.execute(statement)).rowcount != 1:
                    lost.append(lease.run_id)
        return lost

    async def release(self, worker: str, lease: Lease) -> None:
        statement = runs.update().where(_held(worker, lease)).values(owner="", lease_until_ms=0)
        async with transaction(self._engine) as connection:
            await connection.execute(statement)

    async def reclaim(self, worker: str, now_ms: int, lease_ms: int) -> list[Lease]:
        async with transaction(self._engine) as connection:
            held = select(*_CANDIDATE).where(runs.c.owner == worker, runs.c.status.not_in(_ENDED))
            rows = (await connection.execute(held)).all()
            return await self._take(connection, worker, rows, now_ms, lease_ms, own=True)

    async def revoke(self, run_id: str) -> None:
        statement = (
            runs.update()
            .where(runs.c.id == run_id)
            .values(owner="", lease_until_ms=0, epoch=runs.c.epoch + 1)
        )
        async with transaction(self._engine) as connection:
            await connection.execute(statement)

    async def _take(
        self, connection: AsyncConnection, worker: str, rows: Iterable[Any], now_ms: int,
        lease_ms: int, own: bool = False,
    ) -> list[Lease]:  # fmt: skip
        """Compare-and-sets each row's epoch and owner (a release keeps the epoch), so of two
        claimers only one wins a run, and `taken_over` is about the holder actually replaced."""
        leases: list[Lease] = []
        for run_id, epoch, owner in rows:
            still = runs.c.owner == worker if own else _free(now_ms)
            statement = (
                runs.update()
                .where(runs.c.id == run_id, runs.c.epoch == epoch, runs.c.owner == owner, still)
                .values(owner=worker, lease_until_ms=now_ms + lease_ms, epoch=epoch + 1)
            )
            if (await connection.execute(statement)).rowcount == 1:
                # Released and revoked runs have no owner: a name left means its lease ran out.
                taken_over = bool(owner) and not own
                leases.append(Lease(run_id=run_id, epoch=epoch + 1, taken_over=taken_over))
        return leases

    def _task_upsert(self) -> Executable:
        """Insert, or update all but the id when the run already has a task with the key."""
        if self._mysql:
            insert = mysql_insert(run_tasks)
            return insert.on_duplicate_key_update(
                {name: insert.inserted[name] for name in _TASK_UPDATED}
            )
        lite = sqlite_insert(run_tasks)
        return lite.on_conflict_do_update(
            index_elements=["run_id", "task_key"],
            set_={name: lite.excluded[name] for name in _TASK_UPDATED},
        )

    async def _explain_miss(
        self, connection: AsyncConnection, run_id: str, epoch: int | None
    ) -> None:
        found = await connection.scalar(select(runs.c.epoch).where(runs.c.id == run_id))
        if found is not None and epoch is not None and found != epoch:
            raise RunLeaseLostError(run_id)
        raise RunChangedError(run_id)

    async def _holder(self, key: str) -> tuple[str, int] | None:
        statement = select(runs.c.id, runs.c.created_at).where(runs.c.idempotency_key == key)
        async with reading(self._engine) as connection:
            row = (await connection.execute(statement)).first()
        return None if row is None else (str(row[0]), int(row[1]))

    async def _forget_key(self, key: str) -> None:
        statement = runs.update().where(runs.c.idempotency_key == key).values(idempotency_key=None)
        async with transaction(self._engine) as connection:
            await connection.execute(statement)


def _can_progress(now_ms: int) -> ColumnElement[bool]:
    due = and_(runs.c.status == RunStatus.BLOCKED.value, runs.c.wake_at_ms <= now_ms)
    return or_(runs.c.status.in_(_RUNNABLE), due)


def _free(now_ms: int) -> ColumnElement[bool]:
    return or_(runs.c.owner == "", runs.c.lease_until_ms < now_ms)


def _held(worker: str, lease: Lease) -> ColumnElement[bool]:
    return and_(runs.c.id == lease.run_id, runs.c.owner == worker, runs.c.epoch == lease.epoch)


def _filters(query: RunQuery) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [runs.c.biz_domain_id == query.biz_domain_id]
    if query.dag_id is not None:
        conditions.append(runs.c.dag_id == query.dag_id)
    if query.statuses:
        conditions.append(runs.c.status.in_(query.statuses))
    if query.start_time is not None:
        conditions.append(runs.c.created_at >= query.start_time)
    if query.end_time is not None:
        conditions.append(runs.c.created_at <= query.end_time)
    if query.name:
        escaped = query.name.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
        conditions.append(func.lower(runs.c.name).like(f"%{escaped}%", escape="!"))
    if not query.include_debug:
        conditions.append(runs.c.debug.is_(False))
    return and_(*conditions)


def _encoded(record: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    # msgspec: several times faster than json.dumps on the hot write path; same JSON text.
    for name in fields:
        record[name] = _ENCODER.encode(record[name]).decode()
    return record


def _decoded(row: RowMapping, fields: Sequence[str]) -> dict[str, Any]:
    record = dict(row)
    for name in fields:
        record[name] = msgspec.json.decode(record[name])
    return record
