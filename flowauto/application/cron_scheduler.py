"""The scheduler role: starts a run per cron tick of every stored cron-triggered DAG.

Every replica with the role runs this loop over the same stored DAGs. A tick's run carries
the key `cron/<dag id>/<tick ms>` under a unique index, so a tick starts exactly one run
however many replicas fire it; a shared lock per tick spares the others the attempt.
DAG changes on any replica are seen at the next refresh (every `refresh_ms`).
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from dataclasses import dataclass

from flowauto.application.background import cancel_and_wait
from flowauto.application.run_service import RunService
from flowauto.domain.cron_schedule import (
    CRON_PREFIX,
    CronSpec,
    cron_spec_of,
)
from flowauto.domain.dag import Dag
from flowauto.domain.errors import DomainError
from flowauto.domain.run import RunTrigger
from flowauto.ports.clock import Clock
from flowauto.ports.cron_calendar import CronCalendar
from flowauto.ports.lock_manager import LockManager

log = logging.getLogger(__name__)
TICK_LOCK_TTL_MS = 60_000
# A tick more than this late is skipped unless the DAG asks for catch-up.
LATE_GRACE_MS = 5_000
CATCHUP_HORIZON_MS = 24 * 3600 * 1000


@dataclass(slots=True)
class _Entry:
    dag: Dag
    spec: CronSpec
    next_ms: int | None


class CronScheduler:
    def __init__(
        self, *, runs: RunService, calendar: CronCalendar, clock: Clock, locks: LockManager,
        refresh_ms: int = 2_000,
    ) -> None:  # fmt: skip
        self._runs = runs
        self._calendar = calendar
        self._clock = clock
        self._locks = locks
        self._refresh_ms = refresh_ms
        self._entries: dict[str, _Entry] = {}
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # What was due while stopped is decided again from the store (catch-up policy).
        self._entries = {}
        self._loop = asyncio.create_task(self._run(), name="cron-scheduler")

    async def stop(self) -> None:
        await cancel_and_wait(self._loop)

    async def _run(self) -> None:
        refresh_at = 0
        while True:
            now = self._clock.now_ms()
            if now >= refresh_at:
                await self._refreshed(now)
                refresh_at = now + self._refresh_ms
            await self._fire_due(now)
            wake = min([refresh_at, *(e.next_ms for e in self._entries.values() if e.next_ms)])
            await asyncio.sleep(max(0.0, (wake - self._clock.now_ms()) / 1000))

    async def _refreshed(self, now: int) -> None:
        try:
            dags = await self._runs.dags_with_trigger(CRON_PREFIX)
        except DomainError as error:
            log.warning("the scheduler cannot read the DAGs: %s", error.message)
            return
        seen: dict[str, _Entry] = {}
        for dag in dags:
            spec = cron_spec_of(dag.steps[0])
            if spec is None:
                continue
            known = self._entries.get(dag.id)
            if known is not None and known.spec == spec:
                known.dag = dag
                seen[dag.id] = known
            else:
                seen[dag.id] = _Entry(dag=dag, spec=spec, next_ms=await self._first(dag, spec, now))
        self._entries = seen

    async def _first(self, dag: Dag, spec: CronSpec, now: int) -> int | None:
        """The first tick to fire. With catch-up, ticks missed since the DAG's last cron run
        (within a day) get one run, for the latest of them; the rest is skipped."""
        last = await self._runs.last_scheduled_ms(dag) if spec.catchup else None
        if last is not None:
            missed = None
            tick = self._calendar.next_after(spec, max(last, now - CATCHUP_HORIZON_MS))
            while tick is not None and tick <= now:
                missed, tick = tick, self._calendar.next_after(spec, tick)
            if missed is not None:
                return missed
        return self._calendar.next_after(spec, now - 1)

    async def _fire_due(self, now: int) -> None:
        for entry in list(self._entries.values()):
            while entry.next_ms is not None and entry.next_ms <= now:
                await self._fire(entry.dag, entry.next_ms)
                entry.next_ms = self._after(entry, entry.next_ms, now)

    def _after(self, entry: _Entry, fired_ms: int, now: int) -> int | None:
        """The tick after `fired_ms`; ticks already more than LATE_GRACE_MS late (a stalled
        process) are skipped, as missed ones are."""
        following = self._calendar.next_after(entry.spec, fired_ms)
        if following is not None and following < now - LATE_GRACE_MS:
            return self._calendar.next_after(entry.spec, now - 1)
        return following

    async def _fire(self, dag: Dag, tick_ms: int) -> None:
        try:
            lock = await self._locks.acquire(f"cron:{dag.id}:{tick_ms}", TICK_LOCK_TTL_MS)
            if lock is None:
                return  # another replica has this tick
            scheduled = datetime.datetime.fromtimestamp(tick_ms / 1000, datetime.UTC)
            inputs = {"scheduled_at": scheduled.isoformat().replace("+00:00", "Z"),
                      "scheduled_ms": tick_ms}  # fmt: skip
            await self._runs.start_triggered(
                dag, RunTrigger.CRON, inputs, f"cron/{dag.id}/{tick_ms}"
            )
        except DomainError as error:
            log.warning("cron tick %s of DAG %s not started: %s", tick_ms, dag.id, error.message)
