"""The engine worker: claims runs under a lease, drives them, renews and hands them back."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Sequence
from dataclasses import replace

from flowauto.application.run_change import finish_blocked
from flowauto.application.run_driver import DriverTools, Outcome, Result, RunDriver
from flowauto.application.run_end import RunEndListener, RunEndListeners
from flowauto.application.run_journal import RunJournal, RunStopped
from flowauto.application.run_steps import RunSteps
from flowauto.domain.errors import RunChangedError, TaskStatusConflictError, UnavailableError
from flowauto.domain.log_fields import logged
from flowauto.domain.run import Run, RunStatus, TaskInstance, TaskStatus
from flowauto.ports.run_lease import FIRST_EPOCH, InitialLease, Lease, RunLeases
from flowauto.ports.run_repository import RunRepository

log = logging.getLogger(__name__)
# A run whose final write keeps losing to concurrent changes is driven again at most this often
# before it is handed back (another claim will pick it up).
MAX_REDRIVES = 20


class RunEngine:
    def __init__(
        self, *, runs: RunRepository, leases: RunLeases, steps: RunSteps, tools: DriverTools,
        lease_ms: int = 6_000, poll_ms: int = 250, capacity: int = 1000,
    ) -> None:  # fmt: skip
        self._runs = runs
        self._leases = leases
        self._steps = steps
        self._tools = tools
        self._lease_ms = lease_ms
        self._poll_s = poll_ms / 1000
        self._capacity = capacity
        self._active: dict[str, tuple[Lease, asyncio.Task[None]]] = {}
        self._wake = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = False
        self._outage = _Outage()
        self._listeners = RunEndListeners()

    def listen(self, listener: RunEndListener) -> None:
        """Adds a listener told about every run this worker ends."""
        self._listeners.add(listener)

    @property
    def worker(self) -> str:
        return self._tools.worker

    async def start(self) -> None:
        """Takes back this worker's runs from before a restart, then claims and renews."""
        now_ms = self._tools.clock.now_ms()
        for lease in await self._leases.reclaim(self.worker, now_ms, self._lease_ms):
            self._spawn(lease)
        self._loops = [
            asyncio.create_task(self._claim_loop(), name="engine-claim"),
            asyncio.create_task(self._renew_loop(), name="engine-renew"),
        ]

    async def stop(self, drain_s: float) -> None:
        """Stops claiming, lets drivers finish for `drain_s`, then cancels the rest and hands
        their runs back, so another worker takes them at once."""
        self._stopping = True
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        pending = [task for _, task in self._active.values()]
        if pending:
            await asyncio.wait(pending, timeout=drain_s)
        for _, task in list(self._active.values()):
            task.cancel()
        await asyncio.gather(*(task for _, task in self._active.values()), return_exceptions=True)

    async def kick(self, run_id: str) -> None:
        """Drives the run here now if it can make progress and nobody holds it (fast path after
        a start, a resume or an approval); otherwise the claim loop will see it."""
        if self._stopping or run_id in self._active or len(self._active) >= self._capacity:
            self._wake.set()
            return
        now_ms = self._tools.clock.now_ms()
        lease = await self._leases.claim_run(self.worker, run_id, now_ms, self._lease_ms)
        if lease is not None:
            self._spawn(lease)

    def initial_lease(self) -> InitialLease | None:
        """The lease a run started here is stored with, or None when this worker is full."""
        if self._stopping or len(self._active) >= self._capacity:
            return None
        return InitialLease(owner=self.worker, until_ms=self._tools.clock.now_ms() + self._lease_ms)

    def adopt(self, run: Run) -> None:
        """Drives a run just stored with `initial_lease()` (epoch 1), as stored."""
        self._spawn(Lease(run_id=run.id, epoch=FIRST_EPOCH), run)

    def abort(self, run_id: str) -> None:
        """Cancels the local driver of a run (canceled runs: running steps stop at once)."""
        held = self._active.get(run_id)
        if held is not None:
            held[1].cancel()

    @property
    def held(self) -> int:
        """How many runs this worker drives right now."""
        return len(self._active)

    async def sweep(self) -> int:
        """Claims every runnable run nobody holds now (`POST /admin/recover`), up to this
        worker's free capacity; returns how many it took."""
        room = self._capacity - len(self._active)
        if self._stopping or room <= 0:
            return 0
        now_ms = self._tools.clock.now_ms()
        leases = await self._leases.claim(self.worker, now_ms, self._lease_ms, room)
        for lease in leases:
            self._spawn(lease)
        return len(leases)

    def nudge(self, run_id: str) -> None:
        """Tells a local driver its run changed; an idle claim loop looks again too."""
        self._wake.set()

    async def _claim_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_s)
            self._wake.clear()
            room = self._capacity - len(self._active)
            if room <= 0:
                continue
            try:
                now_ms = self._tools.clock.now_ms()
                leases = await self._leases.claim(self.worker, now_ms, self._lease_ms, room)
            except UnavailableError as error:
                self._outage.failed(f"claiming runs failed: {error.message}")
                continue
            except Exception:
                log.exception("claiming runs failed; trying again")
                continue
            self._outage.recovered()
            for lease in leases:
                self._spawn(lease)

    async def _renew_loop(self) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            leases = [lease for lease, _ in self._active.values()]
            if not leases:
                continue
            try:
                now_ms = self._tools.clock.now_ms()
                lost = await self._leases.renew(self.worker, leases, now_ms, self._lease_ms)
            except UnavailableError as error:
                self._outage.failed(f"renewing leases failed: {error.message}")
                continue
            except Exception:
                log.exception("renewing leases failed; trying again")
                continue
            for run_id in lost:
                self.abort(run_id)

    def _spawn(self, lease: Lease, stored: Run | None = None) -> None:
        if lease.taken_over:
            self._tools.telemetry.metrics.lease_taken_over()
            log.warning("run %s taken over from a worker whose lease expired", lease.run_id)
        task = asyncio.create_task(self._drive(lease, stored), name=f"run-{lease.run_id}")
        self._active[lease.run_id] = (lease, task)

    async def _drive(self, lease: Lease, stored: Run | None) -> None:
        ended = False
        try:
            ended = await self._drive_run(lease, stored)
        except RunStopped:
            ended = True
        except asyncio.CancelledError:
            pass
        except UnavailableError as error:
            log.warning("run %s paused by a store outage: %s", lease.run_id, error.message)
        except Exception:
            log.exception("driving run %s failed; it will be picked up again", lease.run_id)
        finally:
            self._active.pop(lease.run_id, None)
            # An ended run keeps its holder's name: nothing claims ended runs, so a release
            # would be a write for nothing.
            if not ended:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._leases.release(self.worker, lease))

    async def _drive_run(self, lease: Lease, stored: Run | None) -> bool:
        """Drives the run as far as it goes; True when it ended. `stored` is the run as just
        written by whoever hands it over (saves a read), else it is read."""
        run = stored or await self._runs.get(lease.run_id)
        if run is None or run.terminal:
            return True
        attributes: dict[str, str | int] = {"run_id": run.id, "dag_id": run.dag_id}
        tracer = self._tools.telemetry.tracer
        with (
            logged(run_id=run.id, dag_id=run.dag_id),
            tracer.span("run", attributes, parent=run.traceparent) as span,
        ):
            written = await self._drive_steps(run, lease)
            if written is not None:
                span.set("status", written.status.value)
                if written.status is RunStatus.FAILED:
                    span.failed(written.reason)
        if written is None:
            return False
        await self._after(written)
        return written.terminal

    async def _drive_steps(self, run: Run, lease: Lease) -> Run | None:
        """Drives the run and writes where it got to; None when it kept losing its writes."""
        steps = await self._steps.of(run)
        journal = RunJournal(run, lease, self._runs, self._tools.clock)
        # Written with the first write the run needs anyway (often its last).
        journal.stage(functools.partial(self._started, at_ms=self._tools.clock.now_ms()))
        known = await self._runs.tasks(run.id) if run.started_ms is not None else []
        for _ in range(MAX_REDRIVES):
            driver = RunDriver(journal, steps, _overlay(known, journal.pending()), self._tools)
            result = await driver.drive()
            try:
                ended = functools.partial(self._ended, result=result, driver=driver)
                written = await journal.flush(ended, reapply=False)
            except RunChangedError:
                known = await self._runs.tasks(run.id)
                continue
            return written
        return None

    async def _after(self, run: Run) -> None:
        """A blocked run may have stored child runs: look for work now. An ended child run
        finishes its parent's sub-DAG step and wakes the parent."""
        if run.status is RunStatus.BLOCKED:
            self._wake.set()
        if run.terminal:
            self._listeners.tell(run)
        if not run.terminal or not run.parent_task_id:
            return
        task = await self._runs.get_task(run.parent_task_id)
        if task is None or task.status is not TaskStatus.BLOCKED:
            return
        status, outputs, reason = await self._tools.subdags.outcome_of(run)
        with contextlib.suppress(TaskStatusConflictError):
            await finish_blocked(self._runs, self._tools.clock, task, status, outputs, reason)
        await self.kick(task.run_id)

    def _started(self, run: Run, *, at_ms: int) -> Run:
        if run.status is RunStatus.PAUSED:
            return run
        if run.status is RunStatus.RUNNING and run.started_ms is not None:
            return run
        started_ms = run.started_ms or at_ms
        return run.moved(
            RunStatus.RUNNING, started_ms=started_ms, started_at=started_ms // 1000, wake_at_ms=None
        )

    def _ended(self, run: Run, *, result: Result, driver: RunDriver) -> Run:
        if run.status is RunStatus.PAUSED or result.outcome is Outcome.STOPPED:
            return replace(run, vars=dict(driver.vars))
        if result.outcome is Outcome.BLOCKED:
            return run.moved(
                RunStatus.BLOCKED, wake_at_ms=driver.wake_at_ms, vars=dict(driver.vars)
            )
        now_ms = self._tools.clock.now_ms()
        status = RunStatus.SUCCESS if result.outcome is Outcome.DONE else RunStatus.FAILED
        return run.moved(
            status,
            reason=result.reason if status is RunStatus.FAILED else "",
            vars=dict(driver.vars),
            ended_at=now_ms // 1000,
            duration_ms=now_ms - (run.started_ms or now_ms),
            wake_at_ms=None,
        )


class _Outage:
    """Logs a store outage once when it starts and once when it ends, not on every poll."""

    def __init__(self) -> None:
        self._down = False

    def failed(self, message: str) -> None:
        if not self._down:
            log.warning("%s; retrying until the store answers", message)
        self._down = True

    def recovered(self) -> None:
        if self._down:
            log.warning("the store answers again; the engine goes on")
        self._down = False


def _overlay(stored: Sequence[TaskInstance], pending: Sequence[TaskInstance]) -> list[TaskInstance]:
    by_key = {task.key: task for task in stored}
    by_key.update((task.key, task) for task in pending)
    return list(by_key.values())
