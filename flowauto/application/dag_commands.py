"""What callers hand to the DAG use cases: already parsed into domain types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flowauto.domain.dag import Accessor, DagStatus, Step, VarDef


@dataclass(frozen=True, slots=True, kw_only=True)
class DagDraft:
    """A new DAG as the creator wrote it."""

    title: str
    steps: tuple[Step, ...]
    description: str = ""
    status: DagStatus = DagStatus.NORMAL
    type: str = ""
    vars: Mapping[str, VarDef] | None = None
    accessors: tuple[Accessor, ...] = ()
    emails: tuple[str, ...] = ()
    published: bool = False
    version: str | None = None
    change_log: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DagPatch:
    """A partial update: None means "leave as it is"."""

    title: str | None = None
    steps: tuple[Step, ...] | None = None
    description: str | None = None
    status: DagStatus | None = None
    type: str | None = None
    vars: Mapping[str, VarDef] | None = None
    accessors: tuple[Accessor, ...] | None = None
    emails: tuple[str, ...] | None = None
    published: bool | None = None
    version: str | None = None
    change_log: str | None = None
