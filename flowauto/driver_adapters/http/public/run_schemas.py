"""Request bodies and response shapes of the run routes."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from flowauto.domain.paging import Page
from flowauto.domain.run import Run, RunEvent, TaskInstance


class RunBody(msgspec.Struct, forbid_unknown_fields=True):
    data: dict[str, Any] = msgspec.field(default_factory=dict)
    vars: dict[str, Any] = msgspec.field(default_factory=dict)


class OptionalIdsBody(msgspec.Struct, forbid_unknown_fields=True):
    ids: list[str] | None = None


class RunIdsBody(msgspec.Struct, forbid_unknown_fields=True):
    ids: list[str]


class RerunBody(msgspec.Struct, forbid_unknown_fields=True):
    from_step: str
    version: Literal["original", "latest"] = "original"


class ContinueBody(msgspec.Struct, forbid_unknown_fields=True):
    result: Literal["pass", "reject", "revoke"]
    data: dict[str, Any] = msgspec.field(default_factory=dict)


class ResultBody(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["success", "failed"]
    outputs: dict[str, Any] = msgspec.field(default_factory=dict)
    reason: str = ""


class RunState(msgspec.Struct):
    id: str
    status: str


def render_run(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "dagId": run.dag_id,
        "versionId": run.version_id,
        "version": run.version,
        "name": run.name,
        "trigger": run.trigger.value,
        "status": run.status.value,
        "reason": run.reason,
        "vars": dict(run.vars),
        "userid": run.userid,
        "biz_domain_id": run.biz_domain_id,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "duration_ms": run.duration_ms,
        "parent_run_id": run.parent_run_id,
        # Millisecond precision of started_at/ended_at, for timelines and benchmarks.
        "started_ms": run.started_ms,
        "ended_ms": _ended_ms(run),
    }


def _ended_ms(run: Run) -> int | None:
    if run.started_ms is None or run.duration_ms is None or run.ended_at is None:
        return None
    return run.started_ms + run.duration_ms


def render_task(task: TaskInstance) -> dict[str, Any]:
    return {
        "id": task.id,
        "run_id": task.run_id,
        "step_id": task.step_id,
        "key": task.key,
        "operator": task.operator,
        "title": task.title,
        "status": task.status.value,
        "attempt": task.attempt,
        "inputs": dict(task.inputs),
        "outputs": dict(task.outputs),
        "reason": task.reason,
        "started_at": task.started_at,
        "ended_at": task.ended_at,
        "duration_ms": task.duration_ms,
        "worker": task.worker,
    }


def render_instances(page: Page[Run]) -> dict[str, Any]:
    return {
        "total": page.total,
        "page": page.page,
        "limit": page.limit,
        "instances": [render_run(run) for run in page.items],
    }


def render_event_data(event: RunEvent) -> str:
    return msgspec.json.encode({**event.data, "at_ms": event.at_ms}).decode()
