"""Runs (DAG instances) and task instances, and the rules of their states (SPEC section 3)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flowauto.domain.dag import Step
from flowauto.domain.errors import RunStatusConflictError


class RunStatus(enum.StrEnum):
    INIT = "init"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    BLOCKED = "blocked"
    PAUSED = "paused"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELED = "canceled"


class TaskStatus(enum.StrEnum):
    PENDING = "pending"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    BLOCKED = "blocked"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELED = "canceled"
    SKIPPED = "skipped"


class RunTrigger(enum.StrEnum):
    MANUAL = "manual"
    FORM = "form"
    CRON = "cron"
    EVENT = "event"
    WEBHOOK = "webhook"
    SUBDAG = "subdag"
    DEBUG = "debug"
    RETRY = "retry"


TERMINAL_RUN = frozenset({RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.CANCELED})
TERMINAL_TASK = frozenset(
    {TaskStatus.SUCCESS, TaskStatus.FAILED, TaskStatus.CANCELED, TaskStatus.SKIPPED}
)
# Statuses a worker may pick a run up in; blocked ones only once their timer is due.
RUNNABLE = frozenset({RunStatus.SCHEDULED, RunStatus.RUNNING})

_RUN_MOVES: Mapping[RunStatus, frozenset[RunStatus]] = {
    RunStatus.INIT: frozenset({RunStatus.SCHEDULED, RunStatus.CANCELED, RunStatus.FAILED}),
    RunStatus.SCHEDULED: frozenset(
        {RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.CANCELED, RunStatus.FAILED}
    ),
    RunStatus.RUNNING: frozenset(
        {
            RunStatus.BLOCKED,
            RunStatus.PAUSED,
            RunStatus.SUCCESS,
            RunStatus.FAILED,
            RunStatus.CANCELED,
        }
    ),
    RunStatus.BLOCKED: frozenset(
        {RunStatus.RUNNING, RunStatus.PAUSED, RunStatus.CANCELED, RunStatus.FAILED}
    ),
    RunStatus.PAUSED: frozenset(
        {RunStatus.SCHEDULED, RunStatus.RUNNING, RunStatus.BLOCKED, RunStatus.CANCELED}
    ),
    # A failed run may be retried: it goes back to scheduled as the same run.
    RunStatus.FAILED: frozenset({RunStatus.SCHEDULED}),
    RunStatus.SUCCESS: frozenset(),
    RunStatus.CANCELED: frozenset(),
}


def can_move(current: RunStatus, target: RunStatus) -> bool:
    return target in _RUN_MOVES[current]


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """One execution of a pinned DAG version.

    `event_seq` is the sequence number of the run's last event; stores compare-and-set on it,
    so it doubles as the run's revision. `paused_from` remembers where resume goes back to.
    `debug_steps` are the steps of a debug run (an unsaved DAG: no version to pin).
    """

    id: str
    dag_id: str
    version_id: str
    version: str
    name: str
    trigger: RunTrigger
    status: RunStatus = RunStatus.SCHEDULED
    reason: str = ""
    vars: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    userid: str
    biz_domain_id: str
    created_at: int
    started_at: int | None = None
    started_ms: int | None = None
    ended_at: int | None = None
    duration_ms: int | None = None
    parent_run_id: str | None = None
    parent_task_id: str | None = None
    paused_from: RunStatus | None = None
    wake_at_ms: int | None = None
    debug: bool = False
    debug_steps: tuple[Step, ...] = ()
    event_seq: int = 0
    traceparent: str = ""
    """W3C trace context of whoever started the run (an HTTP caller, a Kafka message)."""

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_RUN

    def moved(self, target: RunStatus, **changes: Any) -> Run:
        """This run in status `target`; raises RunStatusConflictError when not allowed."""
        if target != self.status and not can_move(self.status, target):
            raise RunStatusConflictError(self.id, self.status.value, target.value)
        return replace(self, status=target, **changes)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskInstance:
    """One execution of one step in one loop scope of a run.

    `key` is unique within the run: the step id, followed by `@<loop step>.<index>` for each
    enclosing loop iteration, so replays find the same task again.
    """

    id: str
    run_id: str
    key: str
    step_id: str
    operator: str
    title: str = ""
    status: TaskStatus = TaskStatus.PENDING
    attempt: int = 0
    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    started_at: int | None = None
    started_ms: int | None = None
    ended_at: int | None = None
    duration_ms: int | None = None
    worker: str = ""
    wake_at_ms: int | None = None
    callback_digest: str = ""
    """SHA-256 (hex) of the token an action answers a callback with; never shown."""

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_TASK


class RunEventType(enum.StrEnum):
    RUN_STATUS = "run.status"
    TASK_STATUS = "task.status"
    TASK_LOG = "task.log"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunEvent:
    """What a live view of a run receives; `seq` is gap-free per run, from 1."""

    run_id: str
    seq: int
    type: RunEventType
    data: Mapping[str, Any]
    at_ms: int


def run_status_event(run: Run, seq: int, at_ms: int, previous: RunStatus | None = None) -> RunEvent:
    data: dict[str, Any] = {"id": run.id, "status": run.status.value, "reason": run.reason}
    if previous is not None:
        data["previous"] = previous.value
    return RunEvent(run_id=run.id, seq=seq, type=RunEventType.RUN_STATUS, data=data, at_ms=at_ms)


def task_status_event(task: TaskInstance, seq: int, at_ms: int) -> RunEvent:
    data = {
        "id": task.id,
        "step_id": task.step_id,
        "key": task.key,
        "status": task.status.value,
        "attempt": task.attempt,
        "reason": task.reason,
    }
    return RunEvent(
        run_id=task.run_id, seq=seq, type=RunEventType.TASK_STATUS, data=data, at_ms=at_ms
    )


def task_log_event(task: TaskInstance, message: str, seq: int, at_ms: int) -> RunEvent:
    data = {"id": task.id, "step_id": task.step_id, "key": task.key, "message": message}
    return RunEvent(run_id=task.run_id, seq=seq, type=RunEventType.TASK_LOG, data=data, at_ms=at_ms)
