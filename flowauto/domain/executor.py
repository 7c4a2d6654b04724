"""Custom executors (external HTTP services) and their actions (SPEC section 5)."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowauto.domain.dag import Accessor, DagStatus
from flowauto.domain.errors import FieldInvalidError
from flowauto.domain.operator_catalog import OperatorKind, OperatorSpec, ParamSpec, ParamType

CUSTOM_PREFIX = "@custom/"
_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_SCHEMA_TYPES = {
    "string": ParamType.STRING, "number": ParamType.NUMBER, "integer": ParamType.INTEGER,
    "boolean": ParamType.BOOLEAN, "object": ParamType.OBJECT, "array": ParamType.ARRAY,
}  # fmt: skip


class AuthType(enum.StrEnum):
    NONE = "none"
    BEARER = "bearer"
    HMAC = "hmac"


class ActionMode(enum.StrEnum):
    SYNC = "sync"
    ASYNC = "async"


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    id: str
    key: str
    name: str
    description: str = ""
    path: str
    method: str = "POST"
    input_schema: Mapping[str, Any] = field(default_factory=dict)
    output_schema: Mapping[str, Any] = field(default_factory=dict)
    mode: ActionMode = ActionMode.SYNC
    timeout_ms: int = 30_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Executor:
    """`auth_secret` is kept encrypted by the store (it is a secret like connections')."""

    id: str
    biz_domain_id: str
    key: str
    name: str
    description: str = ""
    base_url: str
    auth_type: AuthType = AuthType.NONE
    auth_secret: str = ""
    accessors: tuple[Accessor, ...] = ()
    status: DagStatus = DagStatus.NORMAL
    userid: str
    actions: tuple[Action, ...] = ()
    created_at: int
    updated_at: int
    revision: int = 1

    def action(self, key: str) -> Action | None:
        return next((action for action in self.actions if action.key == key), None)


def operator_name(executor_key: str, action_key: str) -> str:
    return f"{CUSTOM_PREFIX}{executor_key}/{action_key}"


def split_operator(operator: str) -> tuple[str, str] | None:
    """(executor key, action key) of `@custom/<executor>/<action>`, or None."""
    if not operator.startswith(CUSTOM_PREFIX):
        return None
    executor_key, _, action_key = operator[len(CUSTOM_PREFIX) :].partition("/")
    return (executor_key, action_key) if executor_key and action_key else None


def check_key(value: str, field_name: str) -> str:
    if not _KEY.match(value):
        raise FieldInvalidError(field_name, "must be 1..64 characters of A-Z a-z 0-9 _ . -")
    return value


def action_spec(executor: Executor, action: Action) -> OperatorSpec:
    """The catalog entry of a custom action: its parameters are the input schema's top-level
    properties, so DAGs are checked against them when saved."""
    properties = action.input_schema.get("properties") or {}
    required = set(action.input_schema.get("required") or [])
    params = tuple(
        ParamSpec(
            name=str(name),
            type=_SCHEMA_TYPES.get(str(schema.get("type")), ParamType.ANY),
            required=name in required,
            description=str(schema.get("description", "")),
        )
        for name, schema in properties.items()
        if isinstance(schema, Mapping)
    )
    outputs = tuple(str(name) for name in (action.output_schema.get("properties") or {}))
    return OperatorSpec(
        name=operator_name(executor.key, action.key), kind=OperatorKind.ACTION,
        title=action.name, description=action.description, params=params, outputs=outputs,
        extra={
            "executor": executor.key, "mode": action.mode.value,
            "input_schema": dict(action.input_schema) or None,
            "output_schema": dict(action.output_schema),
        },
    )  # fmt: skip
