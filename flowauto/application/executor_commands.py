"""Executor and action documents as clients write them (create, import, update)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowauto.domain.dag import Accessor, DagStatus
from flowauto.domain.executor import ActionMode, AuthType


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionDraft:
    key: str
    name: str
    path: str
    description: str = ""
    method: str = "POST"
    input_schema: Mapping[str, Any] = field(default_factory=dict)
    output_schema: Mapping[str, Any] = field(default_factory=dict)
    mode: ActionMode = ActionMode.SYNC
    timeout_ms: int = 30_000


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorDraft:
    key: str
    name: str
    base_url: str
    description: str = ""
    auth_type: AuthType = AuthType.NONE
    auth_secret: str | None = None
    """None keeps the stored secret on update."""
    accessors: tuple[Accessor, ...] = ()
    status: DagStatus = DagStatus.NORMAL
    actions: tuple[ActionDraft, ...] | None = None
    """None keeps the stored actions on update."""
