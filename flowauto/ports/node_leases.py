"""Which id-generator node each live process uses: ids are unique only while no two live
processes share a node (`domain/ids.py`), so processes lease their node from the shared
SQL store instead of picking one at random."""

from __future__ import annotations

from typing import Protocol


class NodeLeases(Protocol):
    async def claim(self, holder: str, now_ms: int, ttl_ms: int) -> int:
        """Leases a node nobody holds (never leased, or its lease ran out) to `holder`
        until `now_ms + ttl_ms`; raises ConflictError when every node is held."""
        ...

    async def renew(self, holder: str, node: int, now_ms: int, ttl_ms: int) -> bool:
        """Extends the lease; False when `holder` no longer holds the node."""
        ...

    async def release(self, holder: str, node: int) -> None:
        """Frees the node at once (a clean shutdown); a no-op when not held."""
        ...
