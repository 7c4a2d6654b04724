"""`@trigger/event`: a run per matching event from the bus, at most one per (DAG, event).

Consumers subscribe to the topics stored event-triggered DAGs name (refreshed every
`refresh_ms`, so DAG changes on any replica are followed). A message is consumed only after
the runs it starts are stored; the run's key `event/<dag>/<source>/<id>` under a unique
index makes a redelivered event start nothing new.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from flowauto.application.background import cancel_and_wait
from flowauto.application.run_service import RunService
from flowauto.domain.cloud_event import matches, parse_cloud_event
from flowauto.domain.dag import Dag
from flowauto.domain.errors import DomainError
from flowauto.domain.run import RunTrigger
from flowauto.ports.event_bus import BusMessage, EventBus, Subscription

log = logging.getLogger(__name__)
EVENT = "@trigger/event"
GROUP = "flowauto-event-triggers"


class EventTriggers:
    def __init__(self, *, runs: RunService, bus: EventBus, refresh_ms: int = 2_000) -> None:
        self._runs = runs
        self._bus = bus
        self._refresh_s = refresh_ms / 1000
        self._dags: dict[str, list[Dag]] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._refresh()
        self._loop = asyncio.create_task(self._follow(), name="event-triggers")

    async def stop(self) -> None:
        await cancel_and_wait(self._loop)
        for subscription in self._subscriptions.values():
            await subscription.close()
        self._subscriptions.clear()

    async def handle(self, message: BusMessage) -> None:
        """Starts the runs of every DAG on the topic whose filter the event matches."""
        envelope = parse_cloud_event(message.value)
        for dag in self._dags.get(message.topic, []):
            event_filter = dag.steps[0].parameters.get("filter") or {}
            if isinstance(event_filter, Mapping) and matches(envelope, event_filter):
                await self._start(dag, envelope, message.headers.get("traceparent", ""))

    async def _start(self, dag: Dag, envelope: dict[str, Any], traceparent: str) -> None:
        """The run joins the trace of whoever published the event (its `traceparent`)."""
        key = f"event/{dag.id}/{envelope['source']}/{envelope['id']}"
        inputs = {"event": envelope}
        await self._runs.start_triggered(dag, RunTrigger.EVENT, inputs, key, traceparent)

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_s)
            try:
                await self._refresh()
            except DomainError as error:
                log.warning("event triggers cannot refresh: %s", error.message)

    async def _refresh(self) -> None:
        by_topic: dict[str, list[Dag]] = {}
        for dag in await self._runs.dags_with_trigger(EVENT):
            topic = str(dag.steps[0].parameters.get("topic") or "")
            if topic:
                by_topic.setdefault(topic, []).append(dag)
        self._dags = by_topic
        for topic in set(by_topic) - set(self._subscriptions):
            self._subscriptions[topic] = await self._bus.subscribe([topic], GROUP, self.handle)
        for topic in set(self._subscriptions) - set(by_topic):
            await self._subscriptions.pop(topic).close()
