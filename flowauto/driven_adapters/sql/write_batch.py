"""Group commit for SQLite: run writes that arrive together share one transaction.

SQLite has one writer, and every statement is a hop to aiosqlite's thread; a transaction per
run write costs BEGIN, the run row, the tasks, the events, COMMIT and the pool's reset, one
after the other under the write lock. Here a single writer task takes every write waiting,
applies each run row (its compare-and-set, or its insert) on its own so each can fail on its
own, then writes all their task rows and all their events with one statement each, and
commits once. A failed statement in SQLite undoes only itself, so one write's conflict never
spoils the others of its batch.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import Executable

from flowauto.domain.errors import RunChangedError, RunLeaseLostError, StoreUnavailableError
from flowauto.driven_adapters.sql.access import sqlite_write_lock
from flowauto.driven_adapters.sql.tables import run_events, runs

MAX_BATCH = 256


@dataclass
class RunWrite:
    """One run's write: `head` inserts the run or compare-and-sets it; the rest follows it."""

    head: Executable
    params: dict[str, Any]
    run_id: str
    insert: bool
    epoch: int | None = None
    tasks: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class WriteBatcher:
    def __init__(self, engine: AsyncEngine, task_upsert: Executable) -> None:
        self._engine = engine
        self._task_upsert = task_upsert
        self._waiting: list[RunWrite] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, write: RunWrite) -> None:
        """Returns once the write is committed; raises what its own head raised."""
        self._waiting.append(write)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="sqlite-group-commit")
        await write.done

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                async with sqlite_write_lock(self._engine), self._engine.begin() as connection:
                    written = [w for w in batch if await self._head(connection, w)]
                    await self._rest(connection, written)
            except (DBAPIError, OSError) as error:
                _fail_all(batch, StoreUnavailableError(f"the SQL store is unavailable: {error}"))
                continue
            except BaseException as error:
                _fail_all(batch, error)
                raise
            for write in written:
                write.done.set_result(None)

    async def _head(self, connection: AsyncConnection, write: RunWrite) -> bool:
        try:
            result = await connection.execute(write.head, write.params)
        except IntegrityError as error:
            write.done.set_exception(error)
            return False
        if write.insert or result.rowcount == 1:
            return True
        found = await connection.scalar(select(runs.c.epoch).where(runs.c.id == write.run_id))
        lost = found is not None and write.epoch is not None and found != write.epoch
        write.done.set_exception(
            RunLeaseLostError(write.run_id) if lost else RunChangedError(write.run_id)
        )
        return False

    async def _rest(self, connection: AsyncConnection, written: list[RunWrite]) -> None:
        tasks = [row for write in written for row in write.tasks]
        events = [row for write in written for row in write.events]
        if tasks:
            await connection.execute(self._task_upsert, tasks)
        if events:
            await connection.execute(run_events.insert(), events)


def _fail_all(batch: list[RunWrite], error: BaseException) -> None:
    for write in batch:
        if not write.done.done():
            write.done.set_exception(error)
