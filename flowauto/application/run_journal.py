"""The driver's write path: task records are buffered and written with the run in one
compare-and-set, so side-effect-free steps cost no round trip of their own."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace

from flowauto.domain.errors import RunChangedError, RunLeaseLostError
from flowauto.domain.run import (
    Run,
    RunEvent,
    TaskInstance,
    run_status_event,
    task_log_event,
    task_status_event,
)
from flowauto.ports.clock import Clock
from flowauto.ports.run_lease import Lease
from flowauto.ports.run_repository import RunRepository

RunChange = Callable[[Run], Run]


class RunStopped(Exception):  # noqa: N818 (a control-flow signal, not a bug)
    """The run was canceled, finished or taken by another worker while this one drove it."""


class RunJournal:
    def __init__(self, run: Run, lease: Lease, store: RunRepository, clock: Clock) -> None:
        self.run = run
        self._lease = lease
        self._store = store
        self._clock = clock
        self._pending: dict[str, TaskInstance] = {}
        self._order: list[TaskInstance] = []
        self._staged: list[RunChange] = []
        self._logs: list[tuple[TaskInstance, str]] = []

    def stage(self, change: RunChange) -> None:
        """Applies `change` with the next flush, before that flush's own change."""
        self._staged.append(change)

    def record(self, task: TaskInstance) -> None:
        """Buffers a task state; the next flush writes it (and a task.status event)."""
        self._pending[task.key] = task
        self._order.append(task)

    def log(self, task: TaskInstance, message: str) -> None:
        """Buffers a task.log event (retries, timeouts) for the next flush."""
        self._logs.append((task, message))

    def pending(self) -> list[TaskInstance]:
        """Task states recorded but not written yet."""
        return list(self._pending.values())

    async def flush(self, change: RunChange | None = None, *, reapply: bool = True) -> Run:
        """Writes the buffered tasks and `change(run)`; on a lost compare-and-set re-reads the
        run and applies `change` to the fresh one, or, with `reapply` False, raises
        RunChangedError (the fresh run in `self.run`) for the caller to decide again.
        Raises RunStopped when the run went terminal or this worker lost the lease."""
        while True:
            current = self.run
            states = [current]
            for step in [*self._staged, *([change] if change is not None else [])]:
                states.append(step(states[-1]))
            if states[-1] is current and not self._order and not self._logs:
                return current
            try:
                return await self._write(states, change is not None)
            except RunChangedError:
                fresh = await self._store.get(current.id)
                if fresh is None or fresh.terminal:
                    raise RunStopped(current.id) from None
                self.run = fresh
                if not reapply:
                    raise

    async def _write(self, states: list[Run], has_change: bool) -> Run:
        """Writes the last of `states` (the run, then after each staged change, then after the
        flush's own change): events are the staged status changes, the task records, then the
        flush's own status change, numbered on from the stored sequence."""
        current, target = states[0], states[-1]
        now_ms = self._clock.now_ms()
        staged = states[:-1] if has_change else states
        changes = [
            (before, after)
            for before, after in itertools.pairwise(staged)
            if after.status != before.status
        ]
        changes_after = (
            [(states[-2], target)] if has_change and target.status != states[-2].status else []
        )
        seq = current.event_seq
        events: list[RunEvent] = []
        for before, run in changes:
            seq += 1
            events.append(run_status_event(run, seq, now_ms, before.status))
        for task in self._order:
            seq += 1
            events.append(task_status_event(task, seq, now_ms))
        for task, message in self._logs:
            seq += 1
            events.append(task_log_event(task, message, seq, now_ms))
        for before, run in changes_after:
            seq += 1
            events.append(run_status_event(run, seq, now_ms, before.status))
        written = replace(target, event_seq=seq)
        try:
            await self._store.save(
                written,
                list(self._pending.values()),
                events,
                expected_seq=current.event_seq,
                epoch=self._lease.epoch,
            )
        except RunLeaseLostError as exc:
            raise RunStopped(current.id) from exc
        self._pending.clear()
        self._order.clear()
        self._staged.clear()
        self._logs.clear()
        self.run = written
        return written
