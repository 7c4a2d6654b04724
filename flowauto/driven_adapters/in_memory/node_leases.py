"""NodeLeases in a dict: for unit tests and the in-memory wiring."""

from __future__ import annotations

from flowauto.domain.errors import ConflictError
from flowauto.domain.ids import MAX_NODE
from flowauto.ports.node_leases import NodeLeases


class InMemoryNodeLeases(NodeLeases):
    def __init__(self) -> None:
        self._held: dict[int, tuple[str, int]] = {}

    async def claim(self, holder: str, now_ms: int, ttl_ms: int) -> int:
        for node in range(MAX_NODE + 1):
            lease = self._held.get(node)
            if lease is None or lease[1] < now_ms:
                self._held[node] = (holder, now_ms + ttl_ms)
                return node
        raise ConflictError("every id-generator node is leased by a live process")

    async def renew(self, holder: str, node: int, now_ms: int, ttl_ms: int) -> bool:
        lease = self._held.get(node)
        if lease is None or lease[0] != holder:
            return False
        self._held[node] = (holder, now_ms + ttl_ms)
        return True

    async def release(self, holder: str, node: int) -> None:
        lease = self._held.get(node)
        if lease is not None and lease[0] == holder:
            del self._held[node]
