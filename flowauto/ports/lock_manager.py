"""Named locks shared by every replica (Redis in production, in-process when embedded)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldLock:
    """A lock this holder took; `token` proves it when renewing or releasing."""

    name: str
    token: str


class LockManager(Protocol):
    async def acquire(self, name: str, ttl_ms: int) -> HeldLock | None:
        """Takes the lock for `ttl_ms` if nobody holds it; None when it is held (no waiting)."""
        ...

    async def renew(self, lock: HeldLock, ttl_ms: int) -> bool:
        """Extends the lock to `ttl_ms` from now; False when it expired or another holds it."""
        ...

    async def release(self, lock: HeldLock) -> bool:
        """Frees the lock if this holder still has it (token checked); False otherwise."""
        ...
