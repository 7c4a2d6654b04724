"""Request budgets of one process: the domain's token buckets, kept in memory."""

from __future__ import annotations

from flowauto.domain.rate_limit import RateLimiter
from flowauto.ports.request_budget import RequestBudget


class InProcessRequestBudget(RequestBudget):
    def __init__(self, per_minute: int, burst: int) -> None:
        self._buckets = RateLimiter(per_minute, burst)

    async def take(self, key: str, now_ms: int) -> None:
        self._buckets.take(key, now_ms)
