"""ConnectionRepository on SQLAlchemy Core: SQLite (embedded) and MySQL/MariaDB.

A connection is one row of `connections` (its config as JSON text) plus one row of
`connection_secrets` per secret, holding the encrypted token only.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from flowauto.domain.connection import Connection, ConnectionQuery, ConnectionType
from flowauto.domain.errors import (
    ConflictError,
    ConnectionNameTakenError,
    ConnectionRevisionConflictError,
)
from flowauto.domain.paging import Page
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.tables import connection_secrets, connections
from flowauto.ports.connection_repository import ConnectionRepository

_secrets = connection_secrets


class SqlConnectionRepository(ConnectionRepository):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, connection: Connection, secrets: Mapping[str, bytes]) -> None:
        async with self._transaction() as db:
            try:
                await db.execute(connections.insert().values(_row(connection)))
            except IntegrityError as error:
                raise _conflict(error, connection) from error
            await _insert_secrets(db, connection.id, secrets)

    async def get(self, biz_domain_id: str, connection_id: str) -> Connection | None:
        return await self._one(
            select(connections).where(
                connections.c.biz_domain_id == biz_domain_id, connections.c.id == connection_id
            )
        )

    async def get_by_name(self, biz_domain_id: str, name: str) -> Connection | None:
        return await self._one(
            select(connections).where(
                connections.c.biz_domain_id == biz_domain_id, connections.c.name == name
            )
        )

    async def find(self, query: ConnectionQuery) -> Page[Connection]:
        in_domain = connections.c.biz_domain_id == query.biz_domain_id
        page = (
            select(connections)
            .where(in_domain)
            .order_by(connections.c.name, connections.c.id)
            .limit(query.limit)
            .offset(query.page * query.limit)
        )
        async with self._reading() as db:
            total = await db.scalar(select(func.count()).select_from(connections).where(in_domain))
            rows = (await db.execute(page)).mappings().all()
            keys = await _secret_keys(db, [row["id"] for row in rows])
        return Page(
            total=int(total or 0),
            page=query.page,
            limit=query.limit,
            items=tuple(_from_row(row, keys[row["id"]]) for row in rows),
        )

    async def update(self, connection: Connection, secrets: Mapping[str, bytes] | None) -> None:
        compare_and_set = (
            connections.update()
            .where(
                connections.c.biz_domain_id == connection.biz_domain_id,
                connections.c.id == connection.id,
                connections.c.revision == connection.revision - 1,
            )
            .values({k: v for k, v in _row(connection).items() if k != "id"})
        )
        async with self._transaction() as db:
            try:
                result = await db.execute(compare_and_set)
            except IntegrityError as error:
                raise _conflict(error, connection) from error
            if result.rowcount != 1:
                raise ConnectionRevisionConflictError(connection.id)
            if secrets is not None:
                await db.execute(_secrets.delete().where(_secrets.c.connection_id == connection.id))
                await _insert_secrets(db, connection.id, secrets)

    async def delete(self, biz_domain_id: str, connection_id: str) -> bool:
        statement = connections.delete().where(
            connections.c.biz_domain_id == biz_domain_id, connections.c.id == connection_id
        )
        async with self._transaction() as db:
            result = await db.execute(statement)
            if result.rowcount != 1:
                return False
            await db.execute(_secrets.delete().where(_secrets.c.connection_id == connection_id))
        return True

    async def encrypted_secrets(self, biz_domain_id: str, name: str) -> dict[str, bytes] | None:
        # One round trip: the outer join yields a row even for a connection without secrets.
        statement = (
            select(_secrets.c.key, _secrets.c.value)
            .select_from(
                connections.outerjoin(_secrets, _secrets.c.connection_id == connections.c.id)
            )
            .where(connections.c.biz_domain_id == biz_domain_id, connections.c.name == name)
        )
        async with self._reading() as db:
            rows = (await db.execute(statement)).all()
        if not rows:
            return None
        return {key: value for key, value in rows if key is not None}

    async def _one(self, statement: Select[Any]) -> Connection | None:
        async with self._reading() as db:
            row = (await db.execute(statement)).mappings().first()
            if row is None:
                return None
            keys = await _secret_keys(db, [row["id"]])
        return _from_row(row, keys[row["id"]])

    def _transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return transaction(self._engine)

    def _reading(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return reading(self._engine)


async def _insert_secrets(
    db: AsyncConnection, connection_id: str, secrets: Mapping[str, bytes]
) -> None:
    rows = [
        {"connection_id": connection_id, "key": key, "value": value}
        for key, value in secrets.items()
    ]
    if rows:
        await db.execute(_secrets.insert(), rows)


async def _secret_keys(
    db: AsyncConnection, connection_ids: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """The secret keys of each connection, sorted (in Python: collations differ by store)."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    if connection_ids:
        statement = select(_secrets.c.connection_id, _secrets.c.key).where(
            _secrets.c.connection_id.in_(list(connection_ids))
        )
        for connection_id, key in (await db.execute(statement)).all():
            found[connection_id].append(key)
    return defaultdict(tuple, {cid: tuple(sorted(keys)) for cid, keys in found.items()})


def _row(connection: Connection) -> dict[str, Any]:
    return {
        "id": connection.id,
        "biz_domain_id": connection.biz_domain_id,
        "name": connection.name,
        "type": connection.type.value,
        "config": json.dumps(dict(connection.config), ensure_ascii=False, separators=(",", ":")),
        "userid": connection.userid,
        "created_at": connection.created_at,
        "updated_at": connection.updated_at,
        "revision": connection.revision,
    }


def _from_row(row: Mapping[Any, Any], secret_keys: tuple[str, ...]) -> Connection:
    return Connection(
        id=row["id"],
        biz_domain_id=row["biz_domain_id"],
        name=row["name"],
        type=ConnectionType(row["type"]),
        config=json.loads(row["config"]),
        secret_keys=secret_keys,
        userid=row["userid"],
        created_at=int(row["created_at"]),
        updated_at=int(row["updated_at"]),
        revision=int(row["revision"]),
    )


def _conflict(error: IntegrityError, connection: Connection) -> ConflictError:
    # SQLite names the columns ("connections.name"), MySQL the constraint.
    message = str(error.orig)
    if "connections.name" in message or "uq_connections_name" in message:
        return ConnectionNameTakenError(connection.name)
    return ConflictError(f"connection {connection.id} already exists", detail={"id": connection.id})
