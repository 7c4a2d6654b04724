"""Keeps this process's id-generator node leased while it runs, and frees it at shutdown.

The lease outlives a missed renewal or two (`ttl_ms` is several renew intervals), so a busy
process keeps its node; one that is killed frees it after `ttl_ms`, and only then can another
process take that node."""

from __future__ import annotations

import asyncio
import logging

from flowauto.application.background import cancel_and_wait
from flowauto.domain.errors import DomainError
from flowauto.ports.clock import Clock
from flowauto.ports.node_leases import NodeLeases

log = logging.getLogger(__name__)
DEFAULT_TTL_MS = 60_000
RENEWALS_PER_TTL = 6


class NodeLeaseKeeper:
    def __init__(
        self, *, leases: NodeLeases, clock: Clock, holder: str, node: int,
        ttl_ms: int = DEFAULT_TTL_MS,
    ) -> None:  # fmt: skip
        self._leases = leases
        self._clock = clock
        self.holder = holder
        self.node = node
        self._ttl_ms = ttl_ms
        self._loop: asyncio.Task[None] | None = None

    @classmethod
    async def claimed(
        cls, leases: NodeLeases, clock: Clock, holder: str, ttl_ms: int = DEFAULT_TTL_MS
    ) -> NodeLeaseKeeper:
        node = await leases.claim(holder, clock.now_ms(), ttl_ms)
        log.info("id-generator node %d leased", node)
        return cls(leases=leases, clock=clock, holder=holder, node=node, ttl_ms=ttl_ms)

    async def start(self) -> None:
        self._loop = asyncio.create_task(self._renew_loop(), name="node-lease")

    async def stop(self) -> None:
        await cancel_and_wait(self._loop)
        self._loop = None
        try:
            await self._leases.release(self.holder, self.node)
        except DomainError as error:
            log.warning("node %d not released (it frees itself later): %s", self.node, error)

    async def renew(self) -> bool:
        return await self._leases.renew(self.holder, self.node, self._clock.now_ms(), self._ttl_ms)

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self._ttl_ms / RENEWALS_PER_TTL / 1000)
            try:
                held = await self.renew()
            except DomainError as error:
                log.warning("node %d lease not renewed, retrying: %s", self.node, error)
                continue
            if not held:
                # Only after the store was out of reach for a whole TTL: another process may
                # now generate ids on this node. Operators must hear of it.
                log.error("id-generator node %d lease was lost; restart this process", self.node)
