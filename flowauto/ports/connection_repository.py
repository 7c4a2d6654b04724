"""Where connections and their encrypted secrets are kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from flowauto.domain.connection import Connection, ConnectionQuery
from flowauto.domain.paging import Page


class ConnectionRepository(Protocol):
    """Connections are scoped by business domain: nothing here crosses one.

    Secrets arrive and leave encrypted (the repository never sees a plain value). What is
    read back carries `secret_keys` = the stored secrets' keys, sorted.
    """

    async def add(self, connection: Connection, secrets: Mapping[str, bytes]) -> None:
        """Stores a new connection and its secrets; raises ConnectionNameTakenError when the
        domain already has the name, ConflictError when the id exists."""
        ...

    async def get(self, biz_domain_id: str, connection_id: str) -> Connection | None:
        """Returns the connection, or None when absent or in another domain."""
        ...

    async def get_by_name(self, biz_domain_id: str, name: str) -> Connection | None:
        """Returns the domain's connection of that name, or None."""
        ...

    async def find(self, query: ConnectionQuery) -> Page[Connection]:
        """Returns one page of the domain's connections, sorted by name."""
        ...

    async def update(self, connection: Connection, secrets: Mapping[str, bytes] | None) -> None:
        """Replaces the connection if its stored revision is `connection.revision - 1`, and its
        whole set of secrets when `secrets` is given (None keeps them); raises
        ConnectionRevisionConflictError when stale or absent, ConnectionNameTakenError when
        another connection of the domain has the new name."""
        ...

    async def delete(self, biz_domain_id: str, connection_id: str) -> bool:
        """Removes the connection and its secrets; returns False when there was none."""
        ...

    async def encrypted_secrets(self, biz_domain_id: str, name: str) -> dict[str, bytes] | None:
        """Returns the encrypted secrets of the named connection by key ({} when it has none),
        or None when the domain has no such connection."""
        ...
