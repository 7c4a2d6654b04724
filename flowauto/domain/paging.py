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
