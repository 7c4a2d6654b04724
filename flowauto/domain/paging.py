"""Paged lists and the DAG list query."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Generic, TypeVar

from flowauto.domain.dag import DagStatus
from flowauto.domain.identity import Audience

T = TypeVar("T")

MAX_LIMIT = 1000
DEFAULT_LIMIT = 20


class SortOrder(enum.StrEnum):
    ASC = "asc"
    DESC = "desc"


class DagSortKey(enum.StrEnum):
    UPDATED_AT = "updated_at"
    CREATED_AT = "created_at"
    TITLE = "title"


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    total: int
    page: int
    limit: int
    items: tuple[T, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DagQuery:
    """Filters of `GET /dags`; `audience` None means every DAG of the domain (admins).

    `keyword` matches title or description, case-insensitively, as a substring.
    Ties in the sort key are broken by id in the same order, so pages never overlap.
    """

    biz_domain_id: str
    audience: Audience | None = None
    page: int = 0
    limit: int = DEFAULT_LIMIT
    sort_by: DagSortKey = DagSortKey.UPDATED_AT
    order: SortOrder = SortOrder.DESC
    keyword: str | None = None
    type: str | None = None
    trigger_type: str | None = None
    status: DagStatus | None = None
    deleted: bool = False


class RunSortKey(enum.StrEnum):
    STARTED_AT = "started_at"
    ENDED_AT = "ended_at"
    CREATED_AT = "created_at"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunQuery:
    """Filters of the instance list. `start_time`/`end_time` bound `created_at` (Unix seconds,
    inclusive), since runs that have not started yet must still be found; `name` is a
    case-insensitive substring of the run name. Debug runs are left out unless asked for."""

    biz_domain_id: str
    dag_id: str | None = None
    statuses: tuple[str, ...] = ()
    start_time: int | None = None
    end_time: int | None = None
    name: str | None = None
    include_debug: bool = False
    page: int = 0
    limit: int = DEFAULT_LIMIT
    sort_by: RunSortKey = RunSortKey.CREATED_AT
    order: SortOrder = SortOrder.DESC
