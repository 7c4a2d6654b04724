"""NodeLeases on SQLAlchemy Core: one row of `node_leases` per node ever leased.

A claim reads which nodes are free, then takes one of them with a conditional write (an
insert for a node never leased, an update guarded by the expiry it read); when another
process won that node first, it tries the next candidate. Candidates are shuffled so
processes starting together rarely race for the same node."""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.domain.errors import ConflictError
from flowauto.domain.ids import MAX_NODE
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.tables import node_leases
from flowauto.ports.node_leases import NodeLeases

_leases = node_leases


class SqlNodeLeases(NodeLeases):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, holder: str, now_ms: int, ttl_ms: int) -> int:
        async with reading(self._engine) as db:
            rows = (await db.execute(select(_leases.c.node, _leases.c.until_ms))).all()
        known = {int(node): int(until) for node, until in rows}
        expired = [node for node, until in known.items() if until < now_ms]
        unused = [node for node in range(MAX_NODE + 1) if node not in known]
        random.shuffle(expired)
        random.shuffle(unused)
        for node in unused + expired:
            if await self._take(node, known.get(node), holder, now_ms + ttl_ms):
                return node
        raise ConflictError("every id-generator node is leased by a live process")

    async def _take(self, node: int, seen_until: int | None, holder: str, until: int) -> bool:
        values = {"holder": holder, "until_ms": until}
        try:
            async with transaction(self._engine) as db:
                if seen_until is None:
                    await db.execute(_leases.insert().values(node=node, **values))
                    return True
                taken = await db.execute(
                    _leases.update()
                    .where(_leases.c.node == node, _leases.c.until_ms == seen_until)
                    .values(values)
                )
                return taken.rowcount == 1
        except IntegrityError:
            return False

    async def renew(self, holder: str, node: int, now_ms: int, ttl_ms: int) -> bool:
        statement = (
            _leases.update()
            .where(_leases.c.node == node, _leases.c.holder == holder)
            .values(until_ms=now_ms + ttl_ms)
        )
        async with transaction(self._engine) as db:
            return (await db.execute(statement)).rowcount == 1

    async def release(self, holder: str, node: int) -> None:
        statement = (
            _leases.update()
            .where(_leases.c.node == node, _leases.c.holder == holder)
            .values(until_ms=0)
        )
        async with transaction(self._engine) as db:
            await db.execute(statement)
