"""Three replicas sharing MariaDB, Redis and a Kafka broker (tansu): event triggers."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import httpx

from flowauto.driven_adapters.kafka.event_bus import KafkaEventBus
from flowauto.ports.event_bus import BusMessage
from tests.e2e.replicas import create_dag, replicas
from tests.engine import step

EVENTS = 200


def cloud_event(number: int) -> bytes:
    envelope = {"specversion": "1.0", "id": f"order-{number}", "source": "shop",
                "type": "order.created", "data": {"n": number}}  # fmt: skip
    return json.dumps(envelope).encode()


async def publish(bootstrap: str, topic: str) -> None:
    bus = KafkaEventBus(bootstrap_servers=bootstrap, client_id="e2e-publisher")
    try:
        await asyncio.gather(
            *(bus.publish(BusMessage(topic=topic, value=cloud_event(n))) for n in range(EVENTS))
        )
    finally:
        await bus.close()


async def lifecycle_types(bootstrap: str, seconds: float) -> list[str]:
    bus = KafkaEventBus(bootstrap_servers=bootstrap, client_id="e2e-reader")
    seen: list[str] = []

    async def keep(message: BusMessage) -> None:
        seen.append(json.loads(message.value)["type"])

    subscription = await bus.subscribe(["flowauto.events"], f"e2e-{uuid.uuid4().hex}", keep)
    await asyncio.sleep(seconds)
    await subscription.close()
    await bus.close()
    return seen


def test_200_events_published_once_start_exactly_200_runs(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    topic = f"orders-{uuid.uuid4().hex[:8]}"
    trigger = {"id": "1", "operator": "@trigger/event",
               "parameters": {"topic": topic, "filter": {"type": "order.created"}}}  # fmt: skip
    with replicas(tmp_path, 3, kafka_bootstrap) as (_, _, servers):
        dag_id = create_dag(
            servers[0], "on orders", step("2", "@internal/time/now"), trigger=trigger
        )
        asyncio.run(publish(kafka_bootstrap, topic))
        started = time.monotonic()
        url = f"{servers[1].api}/dags/{dag_id}/instances?limit=1000&status=success"
        deadline = started + 90
        count = 0
        while time.monotonic() < deadline:
            count = httpx.get(url, timeout=30).json()["total"]
            if count >= EVENTS:
                break
            time.sleep(0.5)
        all_done_s = time.monotonic() - started
        time.sleep(3)  # a duplicate would show up now
        total = httpx.get(f"{servers[2].api}/dags/{dag_id}/instances?limit=1", timeout=30).json()
        types = asyncio.run(lifecycle_types(kafka_bootstrap, 8))
    assert count == EVENTS
    assert total["total"] == EVENTS
    assert types.count("flowauto.run.succeeded") >= EVENTS
    assert "flowauto.run.started" in types
    print(
        f"\nevents: {EVENTS} published once -> {total['total']} runs on 3 replicas, "
        f"all done {all_done_s:.1f} s after publishing; lifecycle events read: {len(types)}"
    )
