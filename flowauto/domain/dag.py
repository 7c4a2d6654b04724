"""The DAG aggregate: a versioned workflow document owned by a user in a business domain."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class DagStatus(enum.StrEnum):
    NORMAL = "normal"
    STOPPED = "stopped"


class AccessorType(enum.StrEnum):
    USER = "user"
    DEPARTMENT = "department"
    GROUP = "group"
    CONTACTOR = "contactor"


class OnError(enum.StrEnum):
    FAIL = "fail"
    CONTINUE = "continue"


@dataclass(frozen=True, slots=True, kw_only=True)
class Accessor:
    id: str
    name: str
    type: AccessorType


@dataclass(frozen=True, slots=True, kw_only=True)
class VarDef:
    desc: str = ""
    default_value: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    max_attempts: int = 1
    backoff_ms: int = 500
    max_backoff_ms: int = 30_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """One comparison inside a branch condition group: `{id, operator, parameters: {a, b}}`."""

    id: str
    operator: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Branch:
    """A branch of `branches` or `parallel`; conditions are OR of AND groups, () is true."""

    id: str
    conditions: tuple[tuple[Comparison, ...], ...] = ()
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DataSource:
    id: str
    operator: str
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    id: str
    operator: str
    title: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    branches: tuple[Branch, ...] = ()
    steps: tuple[Step, ...] = ()
    data_source: DataSource | None = None
    retry: RetryPolicy | None = None
    timeout_ms: int | None = None
    on_error: OnError = OnError.FAIL


@dataclass(frozen=True, slots=True, kw_only=True)
class DagVersion:
    """An immutable snapshot of a DAG's steps; runs pin one."""

    version_id: str
    dag_id: str
    version: str
    steps: tuple[Step, ...]
    change_log: str
    userid: str
    created_at: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Dag:
    """The current state of a DAG; `steps` are those of version `version_id`.

    `revision` increases on every write; repositories compare-and-set on it.
    """

    id: str
    biz_domain_id: str
    userid: str
    title: str
    description: str = ""
    status: DagStatus = DagStatus.NORMAL
    type: str = ""
    steps: tuple[Step, ...]
    vars: Mapping[str, VarDef] = field(default_factory=dict)
    accessors: tuple[Accessor, ...] = ()
    emails: tuple[str, ...] = ()
    published: bool = False
    version_id: str
    version: str
    change_log: str = ""
    created_at: int
    updated_at: int
    modify_by: str
    revision: int = 1
    deleted_at: int | None = None

    @property
    def trigger(self) -> str:
        return self.steps[0].operator if self.steps else ""

    @property
    def actions(self) -> tuple[str, ...]:
        """Distinct operators used by the non-trigger steps, in first-use order."""
        return tuple(dict.fromkeys(step.operator for step in walk_steps(self.steps[1:])))


def walk_steps(steps: tuple[Step, ...]) -> list[Step]:
    """Every step of a tree, depth first in document order, nested ones included."""
    found: list[Step] = []
    for step in steps:
        found.append(step)
        found.extend(walk_steps(step.steps))
        for branch in step.branches:
            found.extend(walk_steps(branch.steps))
    return found
