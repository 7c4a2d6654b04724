"""The embedded event bus: topics, consumer groups, retries and the dead-letter topic inside
one process, the default when there is no Kafka (single-node setups, tests).

Each topic keeps a bounded log so a group that joins late still starts at the earliest
retained message. Each (topic, group) has its own queue of messages not yet consumed (its
backlog, not bounded); a member takes one message at a time, so every message goes to one
member of the group. Nothing survives the process: "at least once" holds while it runs.

Retries and dead letters are shared with the Kafka adapter (driven_adapters/dead_letter.py),
so both buses write the same `<topic>.dlq` messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections import deque
from collections.abc import Sequence

from flowauto.driven_adapters.dead_letter import handle_with_retries
from flowauto.ports.event_bus import BusMessage, EventBus, MessageHandler, Subscription

log = logging.getLogger(__name__)


@dataclasses.dataclass(eq=False)
class _Group:
    """What one consumer group still has to consume of one topic."""

    pending: deque[BusMessage]
    members: list[_InMemorySubscription] = dataclasses.field(default_factory=list)

    def wake_members(self) -> None:
        for member in self.members:
            member.wake()


class InMemoryEventBus(EventBus):
    """No await between reading and changing the queues: each step is atomic on the loop."""

    def __init__(
        self,
        *,
        max_attempts: int = 3,
        retry_backoff_ms: int = 100,
        retained_per_topic: int = 10_000,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.retry_backoff_ms = retry_backoff_ms
        self._retained = retained_per_topic
        self._logs: dict[str, deque[BusMessage]] = {}
        self._groups: dict[tuple[str, str], _Group] = {}
        self._subscriptions: set[_InMemorySubscription] = set()

    async def publish(self, message: BusMessage) -> None:
        # Copy the headers: the caller's mapping may change after publish returned.
        stored = dataclasses.replace(message, headers=dict(message.headers))
        self._log(message.topic).append(stored)
        for (topic, _), group in self._groups.items():
            if topic == message.topic:
                group.pending.append(stored)
                group.wake_members()

    async def subscribe(
        self, topics: Sequence[str], group: str, handler: MessageHandler
    ) -> Subscription:
        if not topics:
            raise ValueError("subscribe needs at least one topic")
        groups = [self._group(topic, group) for topic in dict.fromkeys(topics)]
        subscription = _InMemorySubscription(self, groups, handler)
        self._subscriptions.add(subscription)
        subscription.start()
        return subscription

    async def close(self) -> None:
        """Stops every subscription; what they had not handled stays queued for the group."""
        for subscription in list(self._subscriptions):
            await subscription.close()

    async def deliver(self, message: BusMessage, handler: MessageHandler) -> None:
        await handle_with_retries(
            message,
            handler,
            max_attempts=self.max_attempts,
            retry_backoff_ms=self.retry_backoff_ms,
            send_to_dlq=self.publish,
        )

    def forget(self, subscription: _InMemorySubscription) -> None:
        self._subscriptions.discard(subscription)

    def _log(self, topic: str) -> deque[BusMessage]:
        return self._logs.setdefault(topic, deque(maxlen=self._retained))

    def _group(self, topic: str, group: str) -> _Group:
        found = self._groups.get((topic, group))
        if found is None:
            # A new group starts at the earliest retained message, like Kafka's `earliest`.
            found = _Group(pending=deque(self._log(topic)))
            self._groups[(topic, group)] = found
        return found


class _InMemorySubscription(Subscription):
    """One group member: a task that takes the next message from any of its groups."""

    def __init__(
        self, bus: InMemoryEventBus, groups: list[_Group], handler: MessageHandler
    ) -> None:
        self._bus = bus
        self._groups = groups
        self._handler = handler
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        for group in self._groups:
            group.members.append(self)
        self._task = asyncio.create_task(self._consume(), name="in-memory-bus-consumer")

    def wake(self) -> None:
        self._wakeup.set()

    async def close(self) -> None:
        for group in self._groups:
            if self in group.members:
                group.members.remove(self)
        self._bus.forget(self)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _consume(self) -> None:
        while True:
            taken = self._take()
            if taken is None:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            group, message = taken
            try:
                await self._bus.deliver(message, self._handler)
            except asyncio.CancelledError:
                # Closed mid-delivery: the message was not consumed, the group gets it again.
                group.pending.appendleft(message)
                group.wake_members()
                raise
            # Let the other members of the group take their turn.
            await asyncio.sleep(0)

    def _take(self) -> tuple[_Group, BusMessage] | None:
        for _ in range(len(self._groups)):
            group = self._groups[0]
            # Rotate so a busy topic cannot starve the member's other topics.
            self._groups.append(self._groups.pop(0))
            if group.pending:
                return group, group.pending.popleft()
        return None
