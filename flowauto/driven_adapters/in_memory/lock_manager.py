"""In-process named locks for unit tests and embedded mode (one process, no Redis)."""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Callable

from flowauto.ports.lock_manager import HeldLock, LockManager


def _monotonic_ms() -> int:
    # Monotonic, not wall time: a clock step must not expire or extend every lock at once.
    return time.monotonic_ns() // 1_000_000


@dataclasses.dataclass(slots=True)
class _Hold:
    token: str
    until_ms: int


class InMemoryLockManager(LockManager):
    """No await between a check and its write below: every call is atomic on one loop.

    `now_ms` is injectable so tests can expire locks without sleeping."""

    def __init__(self, now_ms: Callable[[], int] = _monotonic_ms) -> None:
        self._now_ms = now_ms
        self._holds: dict[str, _Hold] = {}

    async def acquire(self, name: str, ttl_ms: int) -> HeldLock | None:
        _check_ttl(ttl_ms)
        now = self._now_ms()
        if self._live(name, now) is not None:
            return None
        token = secrets.token_hex(16)
        self._holds[name] = _Hold(token=token, until_ms=now + ttl_ms)
        return HeldLock(name=name, token=token)

    async def renew(self, lock: HeldLock, ttl_ms: int) -> bool:
        _check_ttl(ttl_ms)
        now = self._now_ms()
        hold = self._live(lock.name, now)
        if hold is None or hold.token != lock.token:
            return False
        hold.until_ms = now + ttl_ms
        return True

    async def release(self, lock: HeldLock) -> bool:
        hold = self._live(lock.name, self._now_ms())
        if hold is None or hold.token != lock.token:
            return False
        del self._holds[lock.name]
        return True

    def _live(self, name: str, now: int) -> _Hold | None:
        """The unexpired hold on `name`; an expired one is dropped, as Redis would."""
        hold = self._holds.get(name)
        if hold is not None and hold.until_ms <= now:
            del self._holds[name]
            return None
        return hold


def _check_ttl(ttl_ms: int) -> None:
    # Redis rejects a non-positive PX; fail the same way here so the fake hides no bug.
    if ttl_ms < 1:
        raise ValueError(f"ttl_ms must be positive, got {ttl_ms}")
