"""What a follower knows about a run, built from the run's event stream (SPEC section 4,
`GET /instances/{id}/events`: `run.status`, `task.status`, `task.log`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowauto.cli.server_sent_event import ServerSentEvent
from flowauto.domain.run import TERMINAL_RUN, TERMINAL_TASK, RunEventType, RunStatus, TaskStatus

_ENDED_RUN = frozenset(status.value for status in TERMINAL_RUN)
_ENDED_TASK = frozenset(status.value for status in TERMINAL_TASK)


@dataclass(slots=True, kw_only=True)
class StepProgress:
    """One task of the run: a step, or one iteration of a step inside a loop (`key`)."""

    key: str
    step_id: str
    title: str
    status: str = TaskStatus.PENDING.value
    attempt: int = 1
    reason: str = ""
    started_ms: int | None = None
    ended_ms: int | None = None

    @property
    def ended(self) -> bool:
        return self.status in _ENDED_TASK

    @property
    def duration_ms(self) -> int | None:
        """Known when the stream showed the task both start and end (fast steps may end
        without a `running` event)."""
        if self.started_ms is None or self.ended_ms is None:
            return None
        return self.ended_ms - self.started_ms


@dataclass(frozen=True, slots=True)
class RunChange:
    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class StepChange:
    step: StepProgress


@dataclass(frozen=True, slots=True)
class StepLog:
    step: StepProgress
    message: str


Change = RunChange | StepChange | StepLog


@dataclass(slots=True, kw_only=True)
class RunProgress:
    run_id: str
    titles: Mapping[str, str] = field(default_factory=dict)
    """Step titles by step id, from the DAG document (the events carry ids only)."""
    status: str = RunStatus.INIT.value
    reason: str = ""
    last_seq: int = 0
    """The last event's sequence number: where a new connection resumes."""
    first_ms: int | None = None
    last_ms: int | None = None
    steps: dict[str, StepProgress] = field(default_factory=dict)
    """By task key, in the order the tasks first appeared."""

    @property
    def ended(self) -> bool:
        return self.status in _ENDED_RUN

    @property
    def duration_ms(self) -> int | None:
        if self.first_ms is None or self.last_ms is None:
            return None
        return self.last_ms - self.first_ms

    def apply(self, event: ServerSentEvent) -> Change | None:
        """Takes one event in; returns what changed, None for events it does not know."""
        data = _data_of(event)
        if event.id is not None and event.id.isdigit():
            self.last_seq = max(self.last_seq, int(event.id))
        self._note_time(data.get("at_ms"))
        if event.event == RunEventType.RUN_STATUS:
            self.status = str(data.get("status") or self.status)
            self.reason = str(data.get("reason") or "")
            return RunChange(self.status, self.reason)
        if event.event == RunEventType.TASK_STATUS:
            return StepChange(self._step_changed(data))
        if event.event == RunEventType.TASK_LOG:
            return StepLog(self._step_of(data), str(data.get("message") or ""))
        return None

    def settle(self, run: Mapping[str, Any]) -> RunChange | None:
        """Takes the run's end from its record when the stream stopped before showing it."""
        status = run.get("status")
        if status not in _ENDED_RUN:
            return None
        self.status = str(status)
        self.reason = str(run.get("reason") or "")
        return RunChange(self.status, self.reason)

    def _step_changed(self, data: Mapping[str, Any]) -> StepProgress:
        step = self._step_of(data)
        step.status = str(data.get("status") or step.status)
        step.reason = str(data.get("reason") or "")
        attempt = data.get("attempt")
        if isinstance(attempt, int):
            step.attempt = attempt
        at_ms = data.get("at_ms")
        if isinstance(at_ms, int):
            if step.status == TaskStatus.RUNNING:
                step.started_ms, step.ended_ms = at_ms, None
            elif step.ended:
                step.ended_ms = at_ms
        return step

    def _step_of(self, data: Mapping[str, Any]) -> StepProgress:
        step_id = str(data.get("step_id") or "")
        key = str(data.get("key") or step_id)
        if key not in self.steps:
            title = self.titles.get(step_id, "")
            self.steps[key] = StepProgress(key=key, step_id=step_id, title=title)
        return self.steps[key]

    def _note_time(self, at_ms: object) -> None:
        if isinstance(at_ms, int):
            self.first_ms = at_ms if self.first_ms is None else min(self.first_ms, at_ms)
            self.last_ms = at_ms if self.last_ms is None else max(self.last_ms, at_ms)


def _data_of(event: ServerSentEvent) -> dict[str, Any]:
    try:
        data = json.loads(event.data)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
