"""`@trigger/event` on the in-process bus: matching CloudEvents start one run each."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from flowauto.bootstrap import build_in_memory
from flowauto.domain.paging import RunQuery
from flowauto.domain.run import RunTrigger
from flowauto.driven_adapters.in_memory.event_bus import InMemoryEventBus
from flowauto.ports.event_bus import BusMessage
from tests.engine import ADMIN, create_dag, settled, step


def cloud_event(event_id: str, kind: str, **data: Any) -> bytes:
    envelope = {"specversion": "1.0", "id": event_id, "source": "shop", "type": kind, "data": data}
    return json.dumps(envelope).encode()


async def test_matching_events_start_one_run_each_and_bad_ones_are_dead_lettered() -> None:
    bus = InMemoryEventBus(retry_backoff_ms=1)
    services = build_in_memory(bus=bus)
    assert services.event_triggers is not None
    trigger = {"id": "1", "operator": "@trigger/event",
               "parameters": {"topic": "orders", "filter": {"type": "order.created"}}}  # fmt: skip
    dag = await create_dag(services, trigger, step("2", "@internal/text/join",
                                                   texts=["{{__1.event.data.order}}"]))  # fmt: skip
    dead: list[BusMessage] = []

    async def keep(message: BusMessage) -> None:
        dead.append(message)

    await bus.subscribe(["orders.dlq"], "test", keep)
    await services.event_triggers.start()
    try:
        for message in (
            cloud_event("e1", "order.created", order="A"),
            cloud_event("e1", "order.created", order="A"),  # the same event again
            cloud_event("e2", "order.paid", order="B"),  # filtered out
            cloud_event("e3", "order.created", order="C"),
            b"not a cloud event",
        ):
            await bus.publish(BusMessage(topic="orders", value=message))
        async with asyncio.timeout(5):
            while not dead:  # noqa: ASYNC110 (the bus delivers in its own tasks)
                await asyncio.sleep(0.01)
        query = RunQuery(biz_domain_id="default", dag_id=dag.id)
        runs = (await services.runs.find(ADMIN, query)).items
    finally:
        await services.event_triggers.stop()
    assert sorted(run.inputs["event"]["id"] for run in runs) == ["e1", "e3"]
    assert all(run.trigger is RunTrigger.EVENT for run in runs)
    for run in runs:
        assert (await settled(services, run.id)).status.value == "success"
    assert "not JSON" in dead[0].headers["x-flowauto-error"]
