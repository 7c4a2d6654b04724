"""Mapping between DAGs and rows; steps and vars are kept in their canonical JSON form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flowauto.domain.dag import Accessor, AccessorType, Dag, DagStatus, DagVersion
from flowauto.domain.dag_document import parse_steps, parse_vars, render_steps, render_vars


def dag_row(dag: Dag) -> dict[str, Any]:
    return {
        "id": dag.id,
        "biz_domain_id": dag.biz_domain_id,
        "userid": dag.userid,
        "title": dag.title,
        "live_title": dag.title if dag.deleted_at is None else None,
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


def dag_from_row(row: Mapping[Any, Any]) -> Dag:
    return Dag(
        id=row["id"],
        biz_domain_id=row["biz_domain_id"],
        userid=row["userid"],
        title=row["title"],
        description=row["description"],
        status=DagStatus(row["status"]),
        type=row["type"],
        steps=parse_steps(json.loads(row["steps"])),
        vars=parse_vars(json.loads(row["vars"])),
        accessors=tuple(
            Accessor(id=id_, name=name, type=AccessorType(kind))
            for id_, name, kind in json.loads(row["accessors"])
        ),
        emails=tuple(json.loads(row["emails"])),
        published=bool(row["published"]),
        version_id=row["version_id"],
        version=row["version"],
        change_log=row["change_log"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        modify_by=row["modify_by"],
        revision=row["revision"],
        deleted_at=row["deleted_at"],
    )


def accessor_rows(dag: Dag) -> list[dict[str, Any]]:
    return [{"dag_id": dag.id, "type": a.type.value, "accessor_id": a.id} for a in dag.accessors]


def version_row(version: DagVersion, biz_domain_id: str) -> dict[str, Any]:
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


def version_from_row(row: Mapping[Any, Any]) -> DagVersion:
    return DagVersion(
        version_id=row["version_id"],
        dag_id=row["dag_id"],
        version=row["version"],
        steps=parse_steps(json.loads(row["steps"])),
        change_log=row["change_log"],
        userid=row["userid"],
        created_at=row["created_at"],
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
