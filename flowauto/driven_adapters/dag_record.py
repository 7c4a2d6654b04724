"""A store-neutral flat record of a DAG and of a version: scalars and JSON text only.

Both the SQL rows and the MongoDB documents are this record plus what their indexes need.
Steps, vars and accessors are JSON text: their keys are user data and may hold '.' or '$',
and their numbers may not fit 64-bit integers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flowauto.domain.dag import Accessor, AccessorType, Dag, DagStatus, DagVersion
from flowauto.domain.dag_document import parse_steps, parse_vars, render_steps, render_vars


def dag_record(dag: Dag) -> dict[str, Any]:
    return {
        "id": dag.id,
        "biz_domain_id": dag.biz_domain_id,
        "userid": dag.userid,
        "title": dag.title,
        "description": dag.description,
        "status": dag.status.value,
        "type": dag.type,
        "trigger": dag.trigger,
        "steps": _dumps(render_steps(dag.steps)),
        "vars": _dumps(render_vars(dag.vars)),
        "accessors": _dumps([[a.id, a.name, a.type.value] for a in dag.accessors]),
        "emails": _dumps(list(dag.emails)),
        "published": dag.published,
        "version_id": dag.version_id,
        "version": dag.version,
        "change_log": dag.change_log,
        "created_at": dag.created_at,
        "updated_at": dag.updated_at,
        "modify_by": dag.modify_by,
        "revision": dag.revision,
        "deleted_at": dag.deleted_at,
    }


def dag_from_record(record: Mapping[Any, Any]) -> Dag:
    return Dag(
        id=record["id"],
        biz_domain_id=record["biz_domain_id"],
        userid=record["userid"],
        title=record["title"],
        description=record["description"],
        status=DagStatus(record["status"]),
        type=record["type"],
        steps=parse_steps(json.loads(record["steps"])),
        vars=parse_vars(json.loads(record["vars"])),
        accessors=tuple(
            Accessor(id=id_, name=name, type=AccessorType(kind))
            for id_, name, kind in json.loads(record["accessors"])
        ),
        emails=tuple(json.loads(record["emails"])),
        published=bool(record["published"]),
        version_id=record["version_id"],
        version=record["version"],
        change_log=record["change_log"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
        modify_by=record["modify_by"],
        revision=record["revision"],
        deleted_at=record.get("deleted_at"),
    )


def version_record(version: DagVersion, biz_domain_id: str) -> dict[str, Any]:
    return {
        "version_id": version.version_id,
        "dag_id": version.dag_id,
        "biz_domain_id": biz_domain_id,
        "version": version.version,
        "steps": _dumps(render_steps(version.steps)),
        "change_log": version.change_log,
        "userid": version.userid,
        "created_at": version.created_at,
    }


def version_from_record(record: Mapping[Any, Any]) -> DagVersion:
    return DagVersion(
        version_id=record["version_id"],
        dag_id=record["dag_id"],
        version=record["version"],
        steps=parse_steps(json.loads(record["steps"])),
        change_log=record["change_log"],
        userid=record["userid"],
        created_at=record["created_at"],
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
