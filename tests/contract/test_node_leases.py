"""The NodeLeases contract, on the fake and both SQL stores: live processes never share a
node, a node comes free when its lease runs out or is released."""

from __future__ import annotations

import asyncio

import pytest

from flowauto.domain.errors import ConflictError
from flowauto.domain.ids import MAX_NODE
from flowauto.driven_adapters.in_memory.node_leases import InMemoryNodeLeases
from flowauto.driven_adapters.sql.node_leases import SqlNodeLeases
from flowauto.ports.node_leases import NodeLeases
from tests.contract.conftest import SQL_STORE_BACKENDS, sql_store_backend

NOW_MS = 1_700_000_000_000
TTL_MS = 60_000


@pytest.fixture(params=SQL_STORE_BACKENDS)
def node_leases(request: pytest.FixtureRequest) -> NodeLeases:
    return sql_store_backend(request, InMemoryNodeLeases, SqlNodeLeases)


async def test_concurrent_claims_get_distinct_nodes(node_leases: NodeLeases) -> None:
    nodes = await asyncio.gather(*(node_leases.claim(f"p{n}", NOW_MS, TTL_MS) for n in range(20)))
    assert len(set(nodes)) == 20
    assert all(0 <= node <= MAX_NODE for node in nodes)


async def test_a_held_node_is_renewed_only_by_its_holder(node_leases: NodeLeases) -> None:
    node = await node_leases.claim("a", NOW_MS, TTL_MS)
    assert await node_leases.renew("a", node, NOW_MS + 1000, TTL_MS)
    assert not await node_leases.renew("b", node, NOW_MS + 1000, TTL_MS)


async def test_nodes_come_free_by_release_or_expiry_and_never_twice(
    node_leases: NodeLeases,
) -> None:
    nodes = [await node_leases.claim(f"p{n}", NOW_MS, TTL_MS) for n in range(MAX_NODE + 1)]
    assert sorted(nodes) == list(range(MAX_NODE + 1))
    with pytest.raises(ConflictError):
        await node_leases.claim("late", NOW_MS + 1, TTL_MS)

    await node_leases.release("someone-else", nodes[8])
    await node_leases.release("p7", nodes[7])
    assert await node_leases.claim("next", NOW_MS + 1, TTL_MS) == nodes[7]
    assert not await node_leases.renew("p7", nodes[7], NOW_MS + 1, TTL_MS)

    later = NOW_MS + TTL_MS + 1
    assert await node_leases.renew("p3", nodes[3], later - 2, TTL_MS)
    taken = await node_leases.claim("latest", later, TTL_MS)
    assert taken not in (nodes[3], nodes[7])
    assert not await node_leases.renew(f"p{nodes.index(taken)}", taken, later, TTL_MS)
