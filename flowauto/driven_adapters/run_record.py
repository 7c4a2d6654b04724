"""Runs, task instances and events as plain records, shared by the SQL and MongoDB adapters.

JSON-valued fields stay Python values here; the SQL adapter stores them as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowauto.domain.dag_document import parse_steps, render_steps
from flowauto.domain.run import (
    Run,
    RunEvent,
    RunEventType,
    RunStatus,
    RunTrigger,
    TaskInstance,
    TaskStatus,
)

RUN_JSON_FIELDS = ("vars", "inputs", "debug_steps")
TASK_JSON_FIELDS = ("inputs", "outputs")
EVENT_JSON_FIELDS = ("data",)


def run_record(run: Run) -> dict[str, Any]:
    return {
        "id": run.id,
        "dag_id": run.dag_id,
        "version_id": run.version_id,
        "version": run.version,
        "name": run.name,
        "trigger": run.trigger.value,
        "status": run.status.value,
        "reason": run.reason,
        "vars": dict(run.vars),
        "inputs": dict(run.inputs),
        "userid": run.userid,
        "biz_domain_id": run.biz_domain_id,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "started_ms": run.started_ms,
        "ended_at": run.ended_at,
        "duration_ms": run.duration_ms,
        "parent_run_id": run.parent_run_id,
        "parent_task_id": run.parent_task_id,
        "paused_from": run.paused_from.value if run.paused_from else None,
        "wake_at_ms": run.wake_at_ms,
        "debug": run.debug,
        "debug_steps": render_steps(run.debug_steps) if run.debug_steps else None,
        "event_seq": run.event_seq,
        "traceparent": run.traceparent,
    }


def run_from_record(record: Mapping[str, Any]) -> Run:
    return Run(
        id=record["id"],
        dag_id=record["dag_id"],
        version_id=record["version_id"],
        version=record["version"],
        name=record["name"],
        trigger=RunTrigger(record["trigger"]),
        status=RunStatus(record["status"]),
        reason=record["reason"],
        vars=record["vars"],
        inputs=record["inputs"],
        userid=record["userid"],
        biz_domain_id=record["biz_domain_id"],
        created_at=record["created_at"],
        started_at=record["started_at"],
        started_ms=record["started_ms"],
        ended_at=record["ended_at"],
        duration_ms=record["duration_ms"],
        parent_run_id=record["parent_run_id"],
        parent_task_id=record["parent_task_id"],
        paused_from=RunStatus(record["paused_from"]) if record["paused_from"] else None,
        wake_at_ms=record["wake_at_ms"],
        debug=bool(record["debug"]),
        debug_steps=parse_steps(record["debug_steps"]) if record.get("debug_steps") else (),
        event_seq=record["event_seq"],
        traceparent=record.get("traceparent") or "",
    )


def task_record(task: TaskInstance) -> dict[str, Any]:
    return {
        "id": task.id,
        "run_id": task.run_id,
        "task_key": task.key,
        "step_id": task.step_id,
        "operator": task.operator,
        "title": task.title,
        "status": task.status.value,
        "attempt": task.attempt,
        "inputs": dict(task.inputs),
        "outputs": dict(task.outputs),
        "reason": task.reason,
        "started_at": task.started_at,
        "started_ms": task.started_ms,
        "ended_at": task.ended_at,
        "duration_ms": task.duration_ms,
        "worker": task.worker,
        "wake_at_ms": task.wake_at_ms,
        "callback_digest": task.callback_digest,
    }


def task_from_record(record: Mapping[str, Any]) -> TaskInstance:
    return TaskInstance(
        id=record["id"],
        run_id=record["run_id"],
        key=record["task_key"],
        step_id=record["step_id"],
        operator=record["operator"],
        title=record["title"],
        status=TaskStatus(record["status"]),
        attempt=record["attempt"],
        inputs=record["inputs"],
        outputs=record["outputs"],
        reason=record["reason"],
        started_at=record["started_at"],
        started_ms=record["started_ms"],
        ended_at=record["ended_at"],
        duration_ms=record["duration_ms"],
        worker=record["worker"],
        wake_at_ms=record["wake_at_ms"],
        callback_digest=record.get("callback_digest") or "",
    )


def event_record(event: RunEvent) -> dict[str, Any]:
    return {
        "run_id": event.run_id,
        "seq": event.seq,
        "type": event.type.value,
        "data": dict(event.data),
        "at_ms": event.at_ms,
    }


def event_from_record(record: Mapping[str, Any]) -> RunEvent:
    return RunEvent(
        run_id=record["run_id"],
        seq=record["seq"],
        type=RunEventType(record["type"]),
        data=record["data"],
        at_ms=record["at_ms"],
    )
