"""Short-lived answers of the identity provider, so a token is not introspected per request."""

from __future__ import annotations

from typing import Protocol


class TokenCache(Protocol):
    async def get(self, key: str) -> bytes | None:
        """Returns what was put under `key`, or None when absent or expired."""
        ...

    async def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        """Keeps `value` under `key` for `ttl_ms` milliseconds (ignored when not positive)."""
        ...
