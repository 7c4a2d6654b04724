"""Where audit entries are kept (the SQL store)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flowauto.domain.audit import AuditEntry, AuditQuery
from flowauto.domain.paging import Page


class AuditLog(Protocol):
    async def append(self, entries: Sequence[AuditEntry]) -> None:
        """Stores the entries (in one write when the store allows)."""
        ...

    async def find(self, query: AuditQuery) -> Page[AuditEntry]:
        """Returns one page of the domain's entries, newest first (ties: latest stored
        first), filtered as the query says."""
        ...
