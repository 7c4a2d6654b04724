"""A process keeps its id-generator node while it runs and gives it back when it stops."""

from __future__ import annotations

from flowauto.application.node_lease_keeper import NodeLeaseKeeper
from flowauto.driven_adapters.in_memory.node_leases import InMemoryNodeLeases
from flowauto.driven_adapters.system_clock import SystemClock


async def test_a_node_is_held_until_stop_then_free() -> None:
    leases, clock = InMemoryNodeLeases(), SystemClock()
    first = await NodeLeaseKeeper.claimed(leases, clock, "first")
    second = await NodeLeaseKeeper.claimed(leases, clock, "second")
    assert first.node != second.node
    await first.start()
    assert await first.renew()
    await first.stop()
    assert not await first.renew()
    third = await NodeLeaseKeeper.claimed(leases, clock, "third")
    assert third.node == first.node
