"""Connection use cases: create, read, change, delete, and the engine's secret lookups.

Who may do what: everyone in the caller's business domain may list connections and read
their non-secret fields (name, type, config, secret key names, owner), because connections
are shared infrastructure that any DAG author of the domain may reference from a step; only
the owner (creator) and admins may change or delete one. Secret values never leave through
the read paths; `secret` decrypts one for the engine only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowauto.domain.connection import (
    Connection,
    ConnectionQuery,
    ConnectionType,
    check_config,
    check_name,
    check_secrets,
    may_change,
)
from flowauto.domain.errors import (
    ConnectionNotFoundError,
    FieldInvalidError,
    ForbiddenError,
    SecretUnreadableError,
)
from flowauto.domain.identity import Identity
from flowauto.domain.ids import IdGenerator
from flowauto.domain.paging import MAX_LIMIT, Page
from flowauto.domain.step_failure import StepFailure
from flowauto.ports.clock import Clock
from flowauto.ports.connection_repository import ConnectionRepository
from flowauto.ports.secret_box import SecretBox


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionDraft:
    """What `POST /connections` gives; `secrets` stays out of reprs (logs, tracebacks)."""

    name: str
    type: ConnectionType
    config: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionPatch:
    """What `PUT /connections/{id}` gives: None keeps a field; `secrets` replaces the whole
    set (an empty mapping removes every secret)."""

    name: str | None = None
    type: ConnectionType | None = None
    config: Mapping[str, Any] | None = None
    secrets: Mapping[str, str] | None = field(default=None, repr=False)


class ConnectionService:
    def __init__(
        self, *, repository: ConnectionRepository, box: SecretBox, ids: IdGenerator, clock: Clock
    ) -> None:
        self._repository = repository
        self._box = box
        self._ids = ids
        self._clock = clock

    async def create(self, caller: Identity, draft: ConnectionDraft) -> Connection:
        """Raises FieldInvalidError naming the field, ConnectionNameTakenError (409)."""
        _check(name=draft.name, type_=draft.type, config=draft.config, secrets=draft.secrets)
        now = self._clock.now()
        connection = Connection(
            id=self._ids.next_id(),
            biz_domain_id=caller.biz_domain,
            name=draft.name,
            type=_connection_type(draft.type),
            config=dict(draft.config),
            secret_keys=tuple(sorted(draft.secrets)),
            userid=caller.user_id,
            created_at=now,
            updated_at=now,
        )
        await self._repository.add(connection, self._encrypted(draft.secrets))
        return connection

    async def get(self, caller: Identity, connection_id: str) -> Connection:
        connection = await self._repository.get(caller.biz_domain, connection_id)
        if connection is None:
            raise ConnectionNotFoundError(connection_id)
        return connection

    async def find(self, caller: Identity, query: ConnectionQuery) -> Page[Connection]:
        """One page of the caller's domain; the query's domain is overridden."""
        if query.page < 0:
            raise FieldInvalidError("page", "may not be negative")
        if not 1 <= query.limit <= MAX_LIMIT:
            raise FieldInvalidError("limit", f"must be within 1..{MAX_LIMIT}")
        return await self._repository.find(
            dataclasses.replace(query, biz_domain_id=caller.biz_domain)
        )

    async def update(
        self, caller: Identity, connection_id: str, patch: ConnectionPatch
    ) -> Connection:
        """Raises as `create`, plus ForbiddenError for others than the owner and admins and
        ConnectionRevisionConflictError when a concurrent change won."""
        connection = await self._changeable(caller, connection_id)
        _check(name=patch.name, type_=patch.type, config=patch.config, secrets=patch.secrets)
        changed = dataclasses.replace(
            connection,
            name=connection.name if patch.name is None else patch.name,
            type=connection.type if patch.type is None else _connection_type(patch.type),
            config=connection.config if patch.config is None else dict(patch.config),
            revision=connection.revision + 1,
            updated_at=self._clock.now(),
        )
        secrets = None
        if patch.secrets is not None:
            changed = dataclasses.replace(changed, secret_keys=tuple(sorted(patch.secrets)))
            secrets = self._encrypted(patch.secrets)
        await self._repository.update(changed, secrets)
        return changed

    async def delete(self, caller: Identity, connection_id: str) -> None:
        await self._changeable(caller, connection_id)
        if not await self._repository.delete(caller.biz_domain, connection_id):
            # Deleted by someone else meanwhile.
            raise ConnectionNotFoundError(connection_id)

    async def secret(self, biz_domain_id: str, name: str, key: str) -> str:
        """The plain value of one secret, for the engine; raises StepFailure naming the
        connection and key (never a value) when it is absent or unreadable."""
        encrypted = await self._repository.encrypted_secrets(biz_domain_id, name)
        return self._decrypted(encrypted, name, key)

    async def _changeable(self, caller: Identity, connection_id: str) -> Connection:
        connection = await self.get(caller, connection_id)
        if not may_change(caller, connection):
            raise ForbiddenError(
                f"only the owner or an admin may change connection {connection_id}",
                detail={"id": connection_id},
            )
        return connection

    def _encrypted(self, secrets: Mapping[str, str]) -> dict[str, bytes]:
        return {key: self._box.encrypt(value) for key, value in secrets.items()}

    def _decrypted(self, encrypted: dict[str, bytes] | None, name: str, key: str) -> str:
        if encrypted is None:
            raise StepFailure(f"connection {name!r} does not exist in this business domain")
        token = encrypted.get(key)
        if token is None:
            raise StepFailure(f"connection {name!r} has no secret {key!r}")
        try:
            return self._box.decrypt(token)
        except SecretUnreadableError as error:
            raise StepFailure(
                f"secret {key!r} of connection {name!r} cannot be decrypted with the server's "
                "keys (was the key it was written with removed?)"
            ) from error


def _check(
    *,
    name: str | None,
    type_: ConnectionType | None,
    config: Mapping[str, Any] | None,
    secrets: Mapping[str, str] | None,
) -> None:
    """Each given field's rule; FieldInvalidError names the field (400)."""
    if name is not None:
        check_name(name)
    if type_ is not None:
        _connection_type(type_)
    if config is not None:
        check_config(config)
    if secrets is not None:
        check_secrets(secrets)


def _connection_type(value: str) -> ConnectionType:
    # Typed callers pass a ConnectionType already; this guards the untyped ones.
    try:
        return ConnectionType(value)
    except ValueError as error:
        choices = ", ".join(ConnectionType)
        raise FieldInvalidError("type", f"must be one of {choices}") from error
