"""Per-caller request budgets: a token bucket per user, refilled continuously."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flowauto.domain.errors import RateLimitedError


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at_ms: int


class RateLimiter:
    """`per_minute` requests a minute on average, bursts of up to `burst`, one bucket per key
    (the in-process budget; the Redis one runs the same rule in a script)."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self._rate_per_ms = per_minute / 60_000
        self._burst = float(burst)
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, now_ms: int) -> None:
        """Spends one request of `key`'s budget; raises RateLimitedError when it is empty."""
        bucket = self._buckets.get(key) or _Bucket(tokens=self._burst, at_ms=now_ms)
        elapsed_ms = max(0, now_ms - bucket.at_ms)  # wall clocks may step back
        bucket.tokens = min(self._burst, bucket.tokens + elapsed_ms * self._rate_per_ms)
        bucket.at_ms = now_ms
        self._buckets[key] = bucket
        if bucket.tokens < 1:
            wait_ms = (1 - bucket.tokens) / self._rate_per_ms
            raise RateLimitedError(max(1, math.ceil(wait_ms / 1000)))
        bucket.tokens -= 1
