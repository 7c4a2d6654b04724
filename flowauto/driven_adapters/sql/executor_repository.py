"""ExecutorRepository on SQLAlchemy Core (SQLite, MySQL/MariaDB): one row per executor, its
actions as a JSON document in the row."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.domain.dag import Accessor, AccessorType, DagStatus
from flowauto.domain.errors import ConflictError, ExecutorKeyTakenError
from flowauto.domain.executor import Action, ActionMode, AuthType, Executor
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.tables import executors
from flowauto.ports.executor_repository import ExecutorRepository


class SqlExecutorRepository(ExecutorRepository):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, executor: Executor) -> None:
        try:
            async with transaction(self._engine) as connection:
                await connection.execute(executors.insert(), _row(executor))
        except IntegrityError as error:
            raise ExecutorKeyTakenError(executor.key) from error

    async def get(self, biz_domain_id: str, executor_id: str) -> Executor | None:
        return await self._one(
            executors.c.biz_domain_id == biz_domain_id, executors.c.id == executor_id
        )

    async def get_by_key(self, biz_domain_id: str, key: str) -> Executor | None:
        return await self._one(executors.c.biz_domain_id == biz_domain_id, executors.c.key == key)

    async def list(self, biz_domain_id: str) -> list[Executor]:
        statement = (
            select(executors)
            .where(executors.c.biz_domain_id == biz_domain_id)
            .order_by(executors.c.key)
        )
        async with reading(self._engine) as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [_executor(row) for row in rows]

    async def update(self, executor: Executor) -> None:
        statement = (
            executors.update()
            .where(
                executors.c.id == executor.id,
                executors.c.biz_domain_id == executor.biz_domain_id,
                executors.c.revision == executor.revision - 1,
            )
            .values(_row(executor))
        )
        try:
            async with transaction(self._engine) as connection:
                result = await connection.execute(statement)
        except IntegrityError as error:
            raise ExecutorKeyTakenError(executor.key) from error
        if result.rowcount != 1:
            raise ConflictError(f"executor {executor.id} changed meanwhile; read it again")

    async def delete(self, biz_domain_id: str, executor_id: str) -> bool:
        statement = executors.delete().where(
            executors.c.biz_domain_id == biz_domain_id, executors.c.id == executor_id
        )
        async with transaction(self._engine) as connection:
            result = await connection.execute(statement)
        return bool(result.rowcount)

    async def _one(self, *conditions: Any) -> Executor | None:
        async with reading(self._engine) as connection:
            row = (
                (await connection.execute(select(executors).where(*conditions))).mappings().first()
            )
        return None if row is None else _executor(row)


def _row(executor: Executor) -> dict[str, Any]:
    return {
        "id": executor.id, "biz_domain_id": executor.biz_domain_id, "key": executor.key,
        "name": executor.name, "description": executor.description,
        "base_url": executor.base_url, "auth_type": executor.auth_type.value,
        "auth_secret": executor.auth_secret,
        "accessors": json.dumps([[a.id, a.name, a.type.value] for a in executor.accessors]),
        "status": executor.status.value, "userid": executor.userid,
        "actions": json.dumps([_action_record(action) for action in executor.actions]),
        "created_at": executor.created_at, "updated_at": executor.updated_at,
        "revision": executor.revision,
    }  # fmt: skip


def _action_record(action: Action) -> dict[str, Any]:
    return {
        "id": action.id, "key": action.key, "name": action.name,
        "description": action.description, "path": action.path, "method": action.method,
        "input_schema": dict(action.input_schema), "output_schema": dict(action.output_schema),
        "mode": action.mode.value, "timeout_ms": action.timeout_ms,
    }  # fmt: skip


def _executor(row: RowMapping) -> Executor:
    return Executor(
        id=row["id"], biz_domain_id=row["biz_domain_id"], key=row["key"], name=row["name"],
        description=row["description"], base_url=row["base_url"],
        auth_type=AuthType(row["auth_type"]), auth_secret=row["auth_secret"],
        accessors=tuple(
            Accessor(id=i, name=n, type=AccessorType(t)) for i, n, t in json.loads(row["accessors"])
        ),
        status=DagStatus(row["status"]), userid=row["userid"],
        actions=tuple(_action(record) for record in json.loads(row["actions"])),
        created_at=row["created_at"], updated_at=row["updated_at"], revision=row["revision"],
    )  # fmt: skip


def _action(record: dict[str, Any]) -> Action:
    return Action(**{**record, "mode": ActionMode(record["mode"])})
