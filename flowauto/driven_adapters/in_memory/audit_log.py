"""AuditLog in a list: for unit tests."""

from __future__ import annotations

from collections.abc import Sequence

from flowauto.domain.audit import AuditEntry, AuditQuery
from flowauto.domain.paging import Page
from flowauto.ports.audit_log import AuditLog


class InMemoryAuditLog(AuditLog):
    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []

    async def append(self, entries: Sequence[AuditEntry]) -> None:
        self._entries.extend(entries)

    async def find(self, query: AuditQuery) -> Page[AuditEntry]:
        stored = enumerate(self._entries)
        matching = [(order, entry) for order, entry in stored if _matches(entry, query)]
        matching.sort(key=lambda pair: (pair[1].at, pair[0]), reverse=True)
        start = query.page * query.limit
        chosen = matching[start : start + query.limit]
        return Page(total=len(matching), page=query.page, limit=query.limit,
                    items=tuple(entry for _, entry in chosen))  # fmt: skip


def _matches(entry: AuditEntry, query: AuditQuery) -> bool:
    equal = (
        (entry.biz_domain, query.biz_domain),
        (entry.user, query.user),
        (entry.action, query.action),
        (entry.object_type, query.object_type),
        (entry.object_id, query.object_id),
    )
    if any(wanted is not None and value != wanted for value, wanted in equal):
        return False
    if query.since is not None and entry.at < query.since:
        return False
    return query.until is None or entry.at <= query.until
