"""Request bodies and response shapes of the executor routes (SPEC section 5)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from flowauto.application.executor_commands import ActionDraft, ExecutorDraft
from flowauto.domain.dag import DagStatus
from flowauto.domain.errors import FieldInvalidError
from flowauto.domain.executor import Action, ActionMode, AuthType, Executor
from flowauto.driver_adapters.http.public.dag_schemas import AccessorBody, accessors_of

TIMEOUT_MAX_MS = 3_600_000


class AuthBody(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["none", "bearer", "hmac"] = "none"
    secret: str | None = None


class ActionBody(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    name: str
    path: str
    description: str = ""
    method: str = "POST"
    input_schema: dict[str, Any] = msgspec.field(default_factory=dict)
    output_schema: dict[str, Any] = msgspec.field(default_factory=dict)
    mode: Literal["sync", "async"] = "sync"
    timeout_ms: int = 30_000

    def to_draft(self) -> ActionDraft:
        if not 1 <= self.timeout_ms <= TIMEOUT_MAX_MS:
            raise FieldInvalidError("timeout_ms", f"must be 1..{TIMEOUT_MAX_MS}")
        return ActionDraft(
            key=self.key, name=self.name, path=self.path, description=self.description,
            method=self.method, input_schema=self.input_schema, output_schema=self.output_schema,
            mode=ActionMode(self.mode), timeout_ms=self.timeout_ms,
        )  # fmt: skip


class ExecutorBody(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    name: str
    base_url: str
    description: str = ""
    auth: AuthBody = msgspec.field(default_factory=AuthBody)
    accessors: list[AccessorBody] = msgspec.field(default_factory=list)
    status: Literal["normal", "stopped"] = "normal"
    actions: list[ActionBody] | None = None

    def to_draft(self) -> ExecutorDraft:
        return ExecutorDraft(
            key=self.key, name=self.name, base_url=self.base_url, description=self.description,
            auth_type=AuthType(self.auth.type), auth_secret=self.auth.secret,
            accessors=accessors_of(self.accessors), status=DagStatus(self.status),
            actions=None if self.actions is None else tuple(a.to_draft() for a in self.actions),
        )  # fmt: skip


def render_action(action: Action) -> dict[str, Any]:
    return {
        "id": action.id, "key": action.key, "name": action.name,
        "description": action.description, "path": action.path, "method": action.method,
        "input_schema": dict(action.input_schema), "output_schema": dict(action.output_schema),
        "mode": action.mode.value, "timeout_ms": action.timeout_ms,
    }  # fmt: skip


def render_executor(executor: Executor) -> dict[str, Any]:
    """Never the auth secret: only whether there is one."""
    return {
        "id": executor.id, "key": executor.key, "name": executor.name,
        "description": executor.description, "base_url": executor.base_url,
        "auth": {"type": executor.auth_type.value, "has_secret": bool(executor.auth_secret)},
        "accessors": [
            {"id": a.id, "name": a.name, "type": a.type.value} for a in executor.accessors
        ],
        "status": executor.status.value, "userid": executor.userid,
        "actions": [render_action(action) for action in executor.actions],
        "created_at": executor.created_at, "updated_at": executor.updated_at,
    }  # fmt: skip
