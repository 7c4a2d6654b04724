"""AuditLog on SQLAlchemy Core (SQLite, MySQL/MariaDB): one row of `audit_logs` per entry,
its detail as JSON text; the autoincrement id orders entries stored in the same millisecond."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.domain.audit import AuditEntry, AuditQuery
from flowauto.domain.paging import Page
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.tables import audit_logs
from flowauto.ports.audit_log import AuditLog

_log = audit_logs


class SqlAuditLog(AuditLog):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        async with transaction(self._engine) as db:
            await db.execute(_log.insert(), [_row(entry) for entry in entries])

    async def find(self, query: AuditQuery) -> Page[AuditEntry]:
        where = _conditions(query)
        page = (
            select(_log)
            .where(*where)
            .order_by(_log.c.at.desc(), _log.c.id.desc())
            .limit(query.limit)
            .offset(query.page * query.limit)
        )
        async with reading(self._engine) as db:
            total = await db.scalar(select(func.count()).select_from(_log).where(*where))
            rows = (await db.execute(page)).mappings().all()
        return Page(total=int(total or 0), page=query.page, limit=query.limit,
                    items=tuple(_from_row(row) for row in rows))  # fmt: skip


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    conditions = [_log.c.biz_domain == query.biz_domain]
    equal = (
        (_log.c.user_id, query.user),
        (_log.c.action, query.action),
        (_log.c.object_type, query.object_type),
        (_log.c.object_id, query.object_id),
    )
    conditions += [column == wanted for column, wanted in equal if wanted is not None]
    if query.since is not None:
        conditions.append(_log.c.at >= query.since)
    if query.until is not None:
        conditions.append(_log.c.at <= query.until)
    return conditions


def _row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at, "user_id": entry.user, "biz_domain": entry.biz_domain,
        "action": entry.action, "object_type": entry.object_type,
        "object_id": entry.object_id, "detail": json.dumps(entry.detail, ensure_ascii=False),
    }  # fmt: skip


def _from_row(row: Mapping[Any, Any]) -> AuditEntry:
    return AuditEntry(
        at=row["at"], user=row["user_id"], biz_domain=row["biz_domain"], action=row["action"],
        object_type=row["object_type"], object_id=row["object_id"],
        detail=json.loads(row["detail"]),
    )  # fmt: skip
