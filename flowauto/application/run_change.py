"""Changing a stored run from outside its driver: a compare-and-set loop on its event
sequence, shared by run control (API calls) and the engine (a child run waking its parent)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from flowauto.domain.errors import RunChangedError, RunNotFoundError, TaskStatusConflictError
from flowauto.domain.run import (
    Run,
    RunEvent,
    RunStatus,
    TaskInstance,
    TaskStatus,
    run_status_event,
    task_status_event,
)
from flowauto.ports.clock import Clock
from flowauto.ports.run_repository import RunRepository

# Compare-and-set attempts before giving up with 409 (a very busy run).
CAS_ATTEMPTS = 20
Plan = Callable[[Run, list[TaskInstance]], tuple[Run, list[TaskInstance]]]
RunCheck = Callable[[Run], None]


def _no_check(run: Run) -> None:
    return None


async def change_run(
    runs: RunRepository, clock: Clock, run_id: str, plan: Plan, check: RunCheck = _no_check
) -> Run:
    """Applies `plan` to the current run and tasks and writes the result, retrying on a lost
    compare-and-set; `check` may refuse the run (e.g. another business domain)."""
    for _ in range(CAS_ATTEMPTS):
        run = await runs.get(run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        check(run)
        changed, changed_tasks = plan(run, await runs.tasks(run_id))
        events = _events(run, changed, changed_tasks, clock.now_ms())
        changed = dataclasses.replace(changed, event_seq=run.event_seq + len(events))
        try:
            await runs.save(changed, changed_tasks, events, expected_seq=run.event_seq)
        except RunChangedError:
            continue
        return changed
    raise RunChangedError(run_id)


async def finish_blocked(
    runs: RunRepository, clock: Clock, task: TaskInstance, status: TaskStatus,
    outputs: Mapping[str, Any], reason: str, check: RunCheck = _no_check,
) -> TaskInstance:  # fmt: skip
    """Ends a blocked task (approval, callback, sub-DAG) and makes its blocked run runnable."""
    now_ms = clock.now_ms()
    done = dataclasses.replace(
        task, status=status, outputs=dict(outputs), reason=reason, ended_at=now_ms // 1000,
        duration_ms=now_ms - (task.started_ms or now_ms),
    )  # fmt: skip

    def finished(run: Run, tasks: list[TaskInstance]) -> tuple[Run, list[TaskInstance]]:
        current = next((t for t in tasks if t.id == task.id), task)
        if current.status is not TaskStatus.BLOCKED:
            raise TaskStatusConflictError(task.id, current.status.value, "be continued")
        woken = run.moved(RunStatus.RUNNING) if run.status is RunStatus.BLOCKED else run
        return woken, [done]

    await change_run(runs, clock, task.run_id, finished, check)
    return done


def _events(run: Run, changed: Run, tasks: list[TaskInstance], now_ms: int) -> list[RunEvent]:
    seq = run.event_seq
    events: list[RunEvent] = []
    for task in tasks:
        seq += 1
        events.append(task_status_event(task, seq, now_ms))
    if changed.status != run.status:
        events.append(run_status_event(changed, seq + 1, now_ms, run.status))
    return events
