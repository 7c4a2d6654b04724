"""The audit trail of mutating calls: recorded by the API layer, read by admins.

Entries are written in batches by one background task: a burst of run starts costs one
insert, not one per run. `flush` is awaited before every read and at shutdown, so a reader
sees what this process recorded; a crash can lose at most the last `FLUSH_INTERVAL_S`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from flowauto.domain.audit import AuditEntry, AuditQuery
from flowauto.domain.errors import ForbiddenError, StoreUnavailableError
from flowauto.domain.identity import Identity
from flowauto.domain.paging import Page
from flowauto.ports.audit_log import AuditLog
from flowauto.ports.clock import Clock

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.2
MAX_PENDING = 10_000


class AuditService:
    def __init__(self, *, log: AuditLog, clock: Clock) -> None:
        self._log = log
        self._clock = clock
        self._pending: list[AuditEntry] = []
        self._flusher: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()

    def record(
        self,
        *,
        user: str,
        biz_domain: str,
        action: str,
        object_id: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Queues one entry; `action` is `<object_type>.<verb>`."""
        object_type = action.partition(".")[0]
        self._pending.append(
            AuditEntry(at=self._clock.now_ms(), user=user, biz_domain=biz_domain, action=action,
                       object_type=object_type, object_id=object_id, detail=detail or {})
        )  # fmt: skip
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())

    async def find(self, caller: Identity, query: AuditQuery) -> Page[AuditEntry]:
        if not caller.is_admin:
            raise ForbiddenError("only admins may read the audit log")
        await self.flush()
        return await self._log.find(query)

    async def flush(self) -> None:
        async with self._writing:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                await self._log.append(batch)
            except StoreUnavailableError:
                self._keep_for_retry(batch)
                raise

    async def close(self) -> None:
        try:
            await self.flush()
        except StoreUnavailableError as error:
            logger.error("audit entries lost at shutdown (%d): %s", len(self._pending), error)

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_INTERVAL_S)
        try:
            await self.flush()
        except StoreUnavailableError as error:
            logger.warning("audit log store unavailable, will retry: %s", error)
            self._flusher = asyncio.create_task(self._flush_soon())

    def _keep_for_retry(self, batch: list[AuditEntry]) -> None:
        """An outage keeps entries in memory for the next flush, bounded so it cannot grow
        without limit (the oldest are dropped first, and say so)."""
        self._pending = batch + self._pending
        overflow = len(self._pending) - MAX_PENDING
        if overflow > 0:
            logger.error("audit log store unavailable: dropped %d oldest entries", overflow)
            del self._pending[:overflow]
