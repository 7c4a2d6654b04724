"""Each caller's share of the public API: where the per-user buckets live (this process, or
Redis so every replica spends from the same budget)."""

from __future__ import annotations

from typing import Protocol


class RequestBudget(Protocol):
    async def take(self, key: str, now_ms: int) -> None:
        """Spends one request of `key`'s budget; raises RateLimitedError when it is empty.
        `now_ms` is wall-clock time (replicas compare it)."""
        ...
