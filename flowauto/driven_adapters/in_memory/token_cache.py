"""Token cache of one process: a bounded dict whose entries expire by the clock."""

from __future__ import annotations

from collections import OrderedDict

from flowauto.ports.clock import Clock
from flowauto.ports.token_cache import TokenCache

DEFAULT_MAX_ENTRIES = 10_000


class InMemoryTokenCache(TokenCache):
    def __init__(self, clock: Clock, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._clock = clock
        self._max_entries = max_entries
        # Insertion order is expiry-agnostic; dropping the oldest entry bounds memory when a
        # flood of distinct tokens arrives, which is all the bound is for.
        self._entries: OrderedDict[str, tuple[int, bytes]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_ms, value = entry
        if expires_ms <= self._clock.now_ms():
            del self._entries[key]
            return None
        return value

    async def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        if ttl_ms <= 0:
            return
        self._entries.pop(key, None)
        self._entries[key] = (self._clock.now_ms() + ttl_ms, value)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
