"""The event bus: messages between replicas and from the outside (Kafka in production,
in-process when embedded). Delivery is at least once; handlers must be idempotent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class BusMessage:
    topic: str
    value: bytes
    key: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


MessageHandler = Callable[[BusMessage], Awaitable[None]]


class Subscription(Protocol):
    async def close(self) -> None:
        """Stops consuming; messages not yet handled are delivered again to the group later."""
        ...


class EventBus(Protocol):
    async def publish(self, message: BusMessage) -> None:
        """Returns once the bus has the message durably (Kafka: acknowledged by the broker);
        raises UnavailableError when it cannot."""
        ...

    async def subscribe(
        self, topics: Sequence[str], group: str, handler: MessageHandler
    ) -> Subscription:
        """Delivers each message of `topics` to one member of `group`, at least once. A message
        counts as consumed only after `handler` returned (offsets are committed after it).
        A handler that keeps raising gets the message up to the bus's retry limit, then the
        message goes to `<topic>.dlq` with the reason in header `x-flowauto-error`."""
        ...
