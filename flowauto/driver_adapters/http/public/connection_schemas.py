"""Request bodies of the connection routes and the JSON shapes they answer.

Secrets only come in: no shape here renders a secret value, only `secret_keys`.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from flowauto.application.connection_service import ConnectionDraft, ConnectionPatch
from flowauto.domain.connection import Connection, ConnectionType
from flowauto.domain.paging import Page

Kind = Literal["http", "mysql", "kafka", "generic"]


class ConnectionCreateBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    type: Kind
    config: dict[str, Any] = msgspec.field(default_factory=dict)
    secrets: dict[str, str] = msgspec.field(default_factory=dict)

    def __repr__(self) -> str:
        # Bodies can end up in logs and tracebacks: never with their secret values.
        return f"ConnectionCreateBody(name={self.name!r}, secrets={sorted(self.secrets)})"

    def to_draft(self) -> ConnectionDraft:
        return ConnectionDraft(
            name=self.name,
            type=ConnectionType(self.type),
            config=self.config,
            secrets=self.secrets,
        )


class ConnectionUpdateBody(msgspec.Struct, forbid_unknown_fields=True):
    """Absent fields are kept; `secrets` given replaces the whole set."""

    name: str | None = None
    type: Kind | None = None
    config: dict[str, Any] | None = None
    secrets: dict[str, str] | None = None

    def __repr__(self) -> str:
        keys = None if self.secrets is None else sorted(self.secrets)
        return f"ConnectionUpdateBody(name={self.name!r}, secrets={keys})"

    def to_patch(self) -> ConnectionPatch:
        return ConnectionPatch(
            name=self.name,
            type=None if self.type is None else ConnectionType(self.type),
            config=self.config,
            secrets=self.secrets,
        )


def render_connection(connection: Connection) -> dict[str, Any]:
    return {
        "id": connection.id,
        "name": connection.name,
        "type": connection.type.value,
        "config": dict(connection.config),
        "secret_keys": list(connection.secret_keys),
        "userid": connection.userid,
        "biz_domain_id": connection.biz_domain_id,
        "created_at": connection.created_at,
        "updated_at": connection.updated_at,
    }


def render_page(found: Page[Connection]) -> dict[str, Any]:
    """The paged-list shape: `{total, page, limit, connections}`."""
    return {
        "total": found.total,
        "page": found.page,
        "limit": found.limit,
        "connections": [render_connection(connection) for connection in found.items],
    }
