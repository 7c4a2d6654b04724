"""The event bus contract, on the embedded bus and on Kafka (a tansu broker).

Every test uses its own topics and groups, so tests sharing the session's broker never see
each other's messages. Kafka group joins (about 3 s each) dominate the running time; tests
that need two members join them concurrently where the contract allows.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from flowauto.driven_adapters.dead_letter import ATTEMPTS_HEADER, ERROR_HEADER
from flowauto.driven_adapters.in_memory.event_bus import InMemoryEventBus
from flowauto.driven_adapters.kafka.event_bus import KafkaEventBus
from flowauto.ports.event_bus import BusMessage, EventBus

pytestmark = pytest.mark.timeout(60)

WAIT_S = 20.0
"""The longest a test waits for deliveries it expects."""
QUIET_S = 0.5
"""How long a test watches for deliveries that must not happen."""
MAX_ATTEMPTS = 3


@pytest.fixture(params=["memory", "kafka"])
async def event_bus(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    bus: InMemoryEventBus | KafkaEventBus
    if request.param == "memory":
        bus = InMemoryEventBus(max_attempts=MAX_ATTEMPTS)
    else:
        bootstrap: str = request.getfixturevalue("kafka_bootstrap")
        bus = KafkaEventBus(bootstrap, "flowauto-contract", max_attempts=MAX_ATTEMPTS)
    yield bus
    await bus.close()


def unique(kind: str) -> str:
    return f"flowauto-test-{kind}-{uuid.uuid4().hex[:12]}"


class Inbox:
    """A handler that records what it got; tests wait on it with a bound."""

    def __init__(self, fail_first: int = 0, error: str = "boom") -> None:
        self.messages: list[BusMessage] = []
        self.calls = 0
        self._fail_first = fail_first
        self._error = error
        self._changed = asyncio.Event()

    async def __call__(self, message: BusMessage) -> None:
        self.calls += 1
        self._changed.set()
        if self.calls <= self._fail_first:
            raise RuntimeError(self._error)
        self.messages.append(message)

    async def wait_for(self, count: int, *, calls: int = 0) -> None:
        async with asyncio.timeout(WAIT_S):
            while len(self.messages) < count or self.calls < calls:
                self._changed.clear()
                await self._changed.wait()


async def publish_numbered(bus: EventBus, topic: str, count: int) -> list[bytes]:
    values = [str(number).encode() for number in range(count)]
    for number, value in enumerate(values):
        await bus.publish(BusMessage(topic=topic, value=value, key=f"key-{number}"))
    return values


async def test_a_published_message_reaches_the_subscriber_intact(event_bus: EventBus) -> None:
    topic, inbox = unique("topic"), Inbox()
    await event_bus.subscribe([topic], unique("group"), inbox)
    sent = BusMessage(
        topic=topic,
        value=b"\x00binary \xff payload",
        key="order-42",
        headers={"content-type": "application/json", "trace-id": "abc-123"},
    )
    await event_bus.publish(sent)
    await inbox.wait_for(1)
    assert inbox.messages == [sent]


async def test_members_of_one_group_share_the_messages(event_bus: EventBus) -> None:
    topic, group, inbox = unique("topic"), unique("group"), Inbox()
    # Both members record into one inbox: the contract is "once per group", not who gets what.
    await event_bus.subscribe([topic], group, inbox)
    await event_bus.subscribe([topic], group, inbox)
    sent = await publish_numbered(event_bus, topic, 20)
    await inbox.wait_for(len(sent))
    await asyncio.sleep(QUIET_S)  # a duplicate would show up now
    assert sorted(message.value for message in inbox.messages) == sorted(sent)


async def test_every_group_gets_every_message(event_bus: EventBus) -> None:
    topic, one, other = unique("topic"), Inbox(), Inbox()
    await asyncio.gather(
        event_bus.subscribe([topic], unique("group"), one),
        event_bus.subscribe([topic], unique("group"), other),
    )
    sent = await publish_numbered(event_bus, topic, 5)
    await asyncio.gather(one.wait_for(len(sent)), other.wait_for(len(sent)))
    assert sorted(message.value for message in one.messages) == sorted(sent)
    assert sorted(message.value for message in other.messages) == sorted(sent)


async def test_a_handler_that_fails_once_gets_the_message_again(event_bus: EventBus) -> None:
    topic, flaky, dead = unique("topic"), Inbox(fail_first=1), Inbox()
    await asyncio.gather(
        event_bus.subscribe([topic], unique("group"), flaky),
        event_bus.subscribe([f"{topic}.dlq"], unique("group"), dead),
    )
    sent = BusMessage(topic=topic, value=b"retry me", key="k")
    await event_bus.publish(sent)
    await flaky.wait_for(1)
    await asyncio.sleep(QUIET_S)
    assert flaky.calls == 2
    assert flaky.messages == [sent]
    assert dead.messages == []


async def test_a_handler_that_keeps_failing_sends_the_message_to_the_dlq(
    event_bus: EventBus,
) -> None:
    topic, failing, dead = unique("topic"), Inbox(fail_first=99, error="order 42 is bad"), Inbox()
    await asyncio.gather(
        event_bus.subscribe([topic], unique("group"), failing),
        event_bus.subscribe([f"{topic}.dlq"], unique("group"), dead),
    )
    await event_bus.publish(BusMessage(topic=topic, value=b"poison", key="k", headers={"a": "1"}))
    await dead.wait_for(1)
    [letter] = dead.messages
    assert (letter.topic, letter.key, letter.value) == (f"{topic}.dlq", "k", b"poison")
    assert "order 42 is bad" in letter.headers[ERROR_HEADER]
    assert letter.headers[ATTEMPTS_HEADER] == str(MAX_ATTEMPTS)
    assert letter.headers["a"] == "1"
    assert failing.calls == MAX_ATTEMPTS


async def test_messages_published_before_the_subscriber_joined_are_delivered(
    event_bus: EventBus,
) -> None:
    topic, inbox = unique("topic"), Inbox()
    sent = await publish_numbered(event_bus, topic, 3)
    await event_bus.subscribe([topic], unique("group"), inbox)
    await inbox.wait_for(len(sent))
    assert sorted(message.value for message in inbox.messages) == sorted(sent)


async def test_a_message_unhandled_at_close_goes_to_the_next_member(event_bus: EventBus) -> None:
    topic, group, later = unique("topic"), unique("group"), Inbox()
    started = asyncio.Event()

    async def stuck(_message: BusMessage) -> None:
        started.set()
        await asyncio.Event().wait()  # never returns: the close interrupts it

    subscription = await event_bus.subscribe([topic], group, stuck)
    await event_bus.publish(BusMessage(topic=topic, value=b"unfinished"))
    async with asyncio.timeout(WAIT_S):
        await started.wait()
    await subscription.close()
    await event_bus.subscribe([topic], group, later)
    await later.wait_for(1)
    assert [message.value for message in later.messages] == [b"unfinished"]
