"""WorkerRegistry on SQLAlchemy Core (SQLite, MySQL/MariaDB): one row per process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import Executable

from flowauto.domain.worker import WorkerBeat
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.tables import workers
from flowauto.ports.worker_registry import WorkerRegistry

_UPDATED = [column.name for column in workers.columns if column.name != "id"]


class SqlWorkerRegistry(WorkerRegistry):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Built once: a statement with bound parameters compiles once (SQLAlchemy's cache).
        self._upsert = _upsert(mysql=engine.dialect.name in ("mysql", "mariadb"))

    async def beat(self, worker: WorkerBeat) -> None:
        async with transaction(self._engine) as connection:
            await connection.execute(self._upsert, _row(worker))

    async def live(self, now_ms: int, ttl_ms: int) -> list[WorkerBeat]:
        statement = (
            select(workers).where(workers.c.last_beat_ms >= now_ms - ttl_ms).order_by(workers.c.id)
        )
        async with reading(self._engine) as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [_beat(row) for row in rows]

    async def forget(self, worker_id: str) -> None:
        async with transaction(self._engine) as connection:
            await connection.execute(workers.delete().where(workers.c.id == worker_id))


def _upsert(*, mysql: bool) -> Executable:
    """Insert, or overwrite everything but the id when the worker has a row already."""
    if mysql:
        insert = mysql_insert(workers)
        return insert.on_duplicate_key_update({name: insert.inserted[name] for name in _UPDATED})
    lite = sqlite_insert(workers)
    return lite.on_conflict_do_update(
        index_elements=["id"], set_={name: lite.excluded[name] for name in _UPDATED}
    )


def _row(worker: WorkerBeat) -> dict[str, Any]:
    return {
        "id": worker.id,
        "host": worker.host,
        "roles": ",".join(worker.roles),
        "started_at_ms": worker.started_at_ms,
        "last_beat_ms": worker.last_beat_ms,
        "held_runs": worker.held_runs,
    }


def _beat(row: RowMapping) -> WorkerBeat:
    return WorkerBeat(
        id=row["id"],
        host=row["host"],
        roles=tuple(role for role in row["roles"].split(",") if role),
        started_at_ms=row["started_at_ms"],
        last_beat_ms=row["last_beat_ms"],
        held_runs=row["held_runs"],
    )
