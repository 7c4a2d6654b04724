"""The audit log: who changed what, when, in which business domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowauto.domain.paging import DEFAULT_LIMIT


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """`at` is Unix milliseconds; `action` is `<object_type>.<verb>` (`dag.update`,
    `run.cancel`); `detail` holds the call (method, route, status) and bulk ids, never a
    request body, which may carry secrets."""

    at: int
    user: str
    biz_domain: str
    action: str
    object_type: str
    object_id: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditQuery:
    """One page of a domain's entries, newest first; each filter narrows by equality,
    `since`/`until` bound `at` (Unix milliseconds, inclusive)."""

    biz_domain: str
    user: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: int | None = None
    until: int | None = None
    page: int = 0
    limit: int = DEFAULT_LIMIT
