"""Builders for domain objects: `make_dag(**overrides)` instead of big fixtures."""

from __future__ import annotations

import itertools
from typing import Any

from flowauto.domain.dag import Accessor, AccessorType, Dag, DagVersion, Step

_ids = itertools.count(1_000_000_000_000_000_000)


def next_id() -> str:
    return str(next(_ids))


def make_steps(*operators: str) -> tuple[Step, ...]:
    operators = operators or ("@trigger/manual", "@internal/time/now")
    return tuple(
        Step(id=str(i), operator=op, title=f"step {i}") for i, op in enumerate(operators, 1)
    )


def make_dag(**overrides: Any) -> Dag:
    dag_id = overrides.pop("id", None) or next_id()
    fields: dict[str, Any] = {
        "id": dag_id,
        "biz_domain_id": "default",
        "userid": "u1",
        "title": f"dag {dag_id}",
        "description": "a test DAG",
        "type": "workflow",
        "steps": make_steps(),
        "version_id": next_id(),
        "version": "v0.0.1",
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_000,
        "modify_by": "u1",
    }
    fields.update(overrides)
    return Dag(**fields)


def version_of(dag: Dag, **overrides: Any) -> DagVersion:
    fields: dict[str, Any] = {
        "version_id": dag.version_id,
        "dag_id": dag.id,
        "version": dag.version,
        "steps": dag.steps,
        "change_log": dag.change_log,
        "userid": dag.modify_by,
        "created_at": dag.updated_at,
    }
    fields.update(overrides)
    return DagVersion(**fields)


def user_accessor(user_id: str) -> Accessor:
    return Accessor(id=user_id, name=user_id, type=AccessorType.USER)
