"""Run lifecycle CloudEvents on the bus (topic `flowauto.events`), from the outbox.

Run events are written in the same transaction as the state they describe (persist first);
this loop publishes what is waiting and marks it published afterwards (then publish), so a
crash in between publishes an event twice, never zero times. One replica at a time holds the
publisher lock, which keeps each run's events in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from flowauto.application.background import cancel_and_wait
from flowauto.domain.cloud_event import lifecycle_event
from flowauto.domain.errors import DomainError
from flowauto.ports.event_bus import BusMessage, EventBus
from flowauto.ports.event_outbox import EventOutbox
from flowauto.ports.lock_manager import HeldLock, LockManager

log = logging.getLogger(__name__)
TOPIC = "flowauto.events"
LOCK = "lifecycle-publisher"
LOCK_TTL_MS = 10_000
BATCH = 500


class LifecyclePublisher:
    def __init__(
        self, *, outbox: EventOutbox, bus: EventBus, locks: LockManager, source: str,
        poll_ms: int = 200,
    ) -> None:  # fmt: skip
        self._outbox = outbox
        self._bus = bus
        self._locks = locks
        self._source = source
        self._poll_s = poll_ms / 1000
        self._loop: asyncio.Task[None] | None = None
        self._lock: HeldLock | None = None

    async def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="lifecycle-publisher")

    async def stop(self) -> None:
        await cancel_and_wait(self._loop)
        if self._lock is not None:
            with contextlib.suppress(DomainError):
                await self._locks.release(self._lock)

    async def _run(self) -> None:
        while True:
            try:
                published = await self._publish_batch() if await self._holding() else 0
            except DomainError as error:
                log.warning("publishing run events failed: %s", error.message)
                published = 0
            if published < BATCH:
                await asyncio.sleep(self._poll_s)

    async def _holding(self) -> bool:
        if self._lock is not None and await self._locks.renew(self._lock, LOCK_TTL_MS):
            return True
        self._lock = await self._locks.acquire(LOCK, LOCK_TTL_MS)
        return self._lock is not None

    async def _publish_batch(self) -> int:
        events = await self._outbox.unpublished(BATCH)
        await asyncio.gather(
            *(
                self._bus.publish(
                    BusMessage(
                        topic=TOPIC,
                        key=event.run_id,
                        value=json.dumps(lifecycle_event(event, self._source)).encode(),
                        headers={"content-type": "application/cloudevents+json"},
                    )
                )
                for event in events
            )
        )
        await self._outbox.mark_published(events)
        return len(events)
