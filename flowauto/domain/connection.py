"""Connections: named configurations (an HTTP API, a MySQL server, a Kafka cluster, ...) that
steps use by id or through `{{__secrets.<connection name>.<key>}}`.

A connection belongs to a business domain and its creator. Its `config` is readable by
everyone in the domain; its secrets are write-only: the domain object carries only their
keys (`secret_keys`), the values live encrypted behind the repository.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowauto.domain.errors import FieldInvalidError
from flowauto.domain.identity import Identity
from flowauto.domain.paging import DEFAULT_LIMIT

NAME_MAX = 128
CONFIG_MAX_BYTES = 32_768
SECRET_VALUE_MAX_BYTES = 16_384
SECRETS_MAX = 100
# No dot: `{{__secrets.<name>.<key>}}` is split on dots, so a dotted name or key could never
# be referenced.
_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")


class ConnectionType(enum.StrEnum):
    HTTP = "http"
    MYSQL = "mysql"
    KAFKA = "kafka"
    GENERIC = "generic"


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    """`secret_keys` name the stored secrets, sorted; `revision` increases on every write and
    repositories compare-and-set on it."""

    id: str
    biz_domain_id: str
    name: str
    type: ConnectionType
    config: Mapping[str, Any] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()
    userid: str
    created_at: int
    updated_at: int
    revision: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectionQuery:
    """One page of a domain's connections, sorted by name (unique, so pages never overlap)."""

    biz_domain_id: str
    page: int = 0
    limit: int = DEFAULT_LIMIT


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise FieldInvalidError(
            "name",
            f"must be 1 to {NAME_MAX} letters, digits, '_' or '-' (it appears in references)",
        )


def check_config(config: Mapping[str, Any]) -> None:
    """A JSON object of bounded size (it is stored as JSON text)."""
    if not isinstance(config, Mapping):
        raise FieldInvalidError("config", "must be an object")
    try:
        size = len(json.dumps(config, ensure_ascii=False).encode())
    except (TypeError, ValueError) as error:
        raise FieldInvalidError("config", "must hold only JSON values") from error
    if size > CONFIG_MAX_BYTES:
        raise FieldInvalidError("config", f"is {size} bytes of JSON, over {CONFIG_MAX_BYTES}")


def check_secrets(secrets: Mapping[str, str]) -> None:
    """Keys follow the name rule; values are strings of bounded size. Messages name the key,
    never the value."""
    if len(secrets) > SECRETS_MAX:
        raise FieldInvalidError("secrets", f"holds {len(secrets)} keys, over {SECRETS_MAX}")
    for key, value in secrets.items():
        if not isinstance(key, str) or not _NAME.fullmatch(key):
            raise FieldInvalidError(
                "secrets",
                f"key {str(key)[:NAME_MAX]!r} must be 1 to {NAME_MAX} letters, digits, '_' or '-'",
            )
        if not isinstance(value, str):
            raise FieldInvalidError(f"secrets.{key}", "must be a string")
        if len(value.encode()) > SECRET_VALUE_MAX_BYTES:
            raise FieldInvalidError(f"secrets.{key}", f"is over {SECRET_VALUE_MAX_BYTES} bytes")


def may_change(identity: Identity, connection: Connection) -> bool:
    """Only the owner (creator) and admins may change or delete a connection; everyone in
    its business domain may read its non-secret fields."""
    return identity.is_admin or connection.userid == identity.user_id
