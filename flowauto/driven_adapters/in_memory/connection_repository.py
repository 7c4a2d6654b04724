"""A dict-backed ConnectionRepository for unit tests and `build_in_memory()`."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping

from flowauto.domain.connection import Connection, ConnectionQuery
from flowauto.domain.errors import (
    ConflictError,
    ConnectionNameTakenError,
    ConnectionRevisionConflictError,
)
from flowauto.domain.paging import Page
from flowauto.ports.connection_repository import ConnectionRepository


class InMemoryConnectionRepository(ConnectionRepository):
    # No method suspends: each is atomic on the event loop, which makes the compare-and-set
    # of `update` and the name checks safe.

    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}
        self._secrets: dict[str, dict[str, bytes]] = {}

    async def add(self, connection: Connection, secrets: Mapping[str, bytes]) -> None:
        if connection.id in self._connections:
            raise ConflictError(
                f"connection {connection.id} already exists", detail={"id": connection.id}
            )
        self._check_name_free(connection)
        self._store(connection, secrets)

    async def get(self, biz_domain_id: str, connection_id: str) -> Connection | None:
        return self._get(biz_domain_id, connection_id)

    async def get_by_name(self, biz_domain_id: str, name: str) -> Connection | None:
        return self._named(biz_domain_id, name)

    async def find(self, query: ConnectionQuery) -> Page[Connection]:
        matching = sorted(self._in_domain(query.biz_domain_id), key=lambda c: (c.name, c.id))
        start = query.page * query.limit
        return Page(
            total=len(matching),
            page=query.page,
            limit=query.limit,
            items=tuple(matching[start : start + query.limit]),
        )

    async def update(self, connection: Connection, secrets: Mapping[str, bytes] | None) -> None:
        stored = self._get(connection.biz_domain_id, connection.id)
        if stored is None or stored.revision != connection.revision - 1:
            raise ConnectionRevisionConflictError(connection.id)
        self._check_name_free(connection)
        self._store(connection, self._secrets[connection.id] if secrets is None else secrets)

    async def delete(self, biz_domain_id: str, connection_id: str) -> bool:
        if self._get(biz_domain_id, connection_id) is None:
            return False
        del self._connections[connection_id]
        del self._secrets[connection_id]
        return True

    async def encrypted_secrets(self, biz_domain_id: str, name: str) -> dict[str, bytes] | None:
        connection = self._named(biz_domain_id, name)
        return None if connection is None else dict(self._secrets[connection.id])

    def _store(self, connection: Connection, secrets: Mapping[str, bytes]) -> None:
        # The stored secrets decide `secret_keys`, as a real store's rows do; the config is
        # copied so that a caller mutating its dict later cannot change what is stored.
        self._connections[connection.id] = dataclasses.replace(
            connection,
            config=copy.deepcopy(dict(connection.config)),
            secret_keys=tuple(sorted(secrets)),
        )
        self._secrets[connection.id] = dict(secrets)

    def _get(self, biz_domain_id: str, connection_id: str) -> Connection | None:
        connection = self._connections.get(connection_id)
        if connection is None or connection.biz_domain_id != biz_domain_id:
            return None
        return connection

    def _named(self, biz_domain_id: str, name: str) -> Connection | None:
        return next((c for c in self._in_domain(biz_domain_id) if c.name == name), None)

    def _in_domain(self, biz_domain_id: str) -> list[Connection]:
        return [c for c in self._connections.values() if c.biz_domain_id == biz_domain_id]

    def _check_name_free(self, connection: Connection) -> None:
        for other in self._in_domain(connection.biz_domain_id):
            if other.id != connection.id and other.name == connection.name:
                raise ConnectionNameTakenError(connection.name)
