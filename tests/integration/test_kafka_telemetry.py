"""Kafka specifics of telemetry: consumer lag is reported per topic, and messages flowauto
publishes carry the current trace context."""

from __future__ import annotations

import asyncio
import uuid

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from flowauto.driven_adapters.kafka.event_bus import KafkaEventBus
from flowauto.driven_adapters.telemetry.otel_tracer import OtelTracer
from flowauto.ports.event_bus import BusMessage

WAIT_S = 20


async def test_consumer_lag_is_reported_per_topic(kafka_bootstrap: str) -> None:
    topic = f"flowauto-test-lag-{uuid.uuid4().hex[:12]}"
    reports: list[tuple[str, int]] = []
    bus = KafkaEventBus(
        kafka_bootstrap, "flowauto-lag", on_lag=lambda t, n: reports.append((t, n)),
        lag_sample_s=0.05,
    )  # fmt: skip
    release = asyncio.Event()
    handled: list[bytes] = []

    async def slow_handler(message: BusMessage) -> None:
        await release.wait()
        await asyncio.sleep(0.1)
        handled.append(message.value)

    try:
        await bus.publish(BusMessage(topic=topic, value=b"warm-up"))
        subscription = await bus.subscribe([topic], f"group-{uuid.uuid4().hex[:8]}", slow_handler)
        for n in range(5):
            await bus.publish(BusMessage(topic=topic, value=f"m{n}".encode()))
        release.set()
        async with asyncio.timeout(WAIT_S):
            while len(handled) < 6 or not reports or reports[-1][1] != 0:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        await subscription.close()
    finally:
        await bus.close()
    assert {topic_ for topic_, _ in reports} == {topic}
    assert max(lag for _, lag in reports) >= 3, reports
    assert reports[-1] == (topic, 0)


async def test_published_messages_carry_the_current_trace(kafka_bootstrap: str) -> None:
    topic = f"flowauto-test-trace-{uuid.uuid4().hex[:12]}"
    tracer = OtelTracer(SimpleSpanProcessor(InMemorySpanExporter()))
    bus = KafkaEventBus(kafka_bootstrap, "flowauto-trace")
    got: list[BusMessage] = []

    async def inbox(message: BusMessage) -> None:
        got.append(message)

    try:
        subscription = await bus.subscribe([topic], f"group-{uuid.uuid4().hex[:8]}", inbox)
        with tracer.span("publisher", {}) as span:
            await bus.publish(BusMessage(topic=topic, value=b"{}"))
            sent_from = span.traceparent
        async with asyncio.timeout(WAIT_S):
            while not got:  # noqa: ASYNC110 (filled by the consumer task)
                await asyncio.sleep(0.05)
        await subscription.close()
    finally:
        await bus.close()
    assert got[0].headers["traceparent"] == sent_from
