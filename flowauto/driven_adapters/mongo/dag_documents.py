"""Mapping between DAGs and MongoDB documents.

Steps and vars are stored as canonical JSON text, not as sub-documents: their keys are user
data and may hold '.' or '$', and their numbers may not fit BSON's 64-bit integers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flowauto.domain.dag import Accessor, AccessorType, Dag, DagStatus, DagVersion
from flowauto.domain.dag_document import parse_steps, parse_vars, render_steps, render_vars
from flowauto.domain.identity import Audience


def dag_document(dag: Dag) -> dict[str, Any]:
    document: dict[str, Any] = {
        "_id": dag.id,
        "biz_domain_id": dag.biz_domain_id,
        "userid": dag.userid,
        "title": dag.title,
        "description": dag.description,
        "status": dag.status.value,
        "type": dag.type,
        "trigger": dag.trigger,
        "steps": _dumps(render_steps(dag.steps)),
        "vars": _dumps(render_vars(dag.vars)),
        "accessors": [{"id": a.id, "name": a.name, "type": a.type.value} for a in dag.accessors],
        "audience_keys": [audience_key(a.type, a.id) for a in dag.accessors],
        "emails": list(dag.emails),
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
    if dag.deleted_at is None:
        # Only live DAGs carry live_title, which a partial unique index keeps unique.
        document["live_title"] = dag.title
    return document


def dag_from_document(document: Mapping[str, Any]) -> Dag:
    return Dag(
        id=document["_id"],
        biz_domain_id=document["biz_domain_id"],
        userid=document["userid"],
        title=document["title"],
        description=document["description"],
        status=DagStatus(document["status"]),
        type=document["type"],
        steps=parse_steps(json.loads(document["steps"])),
        vars=parse_vars(json.loads(document["vars"])),
        accessors=tuple(
            Accessor(id=a["id"], name=a["name"], type=AccessorType(a["type"]))
            for a in document["accessors"]
        ),
        emails=tuple(document["emails"]),
        published=document["published"],
        version_id=document["version_id"],
        version=document["version"],
        change_log=document["change_log"],
        created_at=document["created_at"],
        updated_at=document["updated_at"],
        modify_by=document["modify_by"],
        revision=document["revision"],
        deleted_at=document.get("deleted_at"),
    )


def version_document(version: DagVersion, biz_domain_id: str) -> dict[str, Any]:
    return {
        "_id": version.version_id,
        "dag_id": version.dag_id,
        "biz_domain_id": biz_domain_id,
        "version": version.version,
        "steps": _dumps(render_steps(version.steps)),
        "change_log": version.change_log,
        "userid": version.userid,
        "created_at": version.created_at,
    }


def version_from_document(document: Mapping[str, Any]) -> DagVersion:
    return DagVersion(
        version_id=document["_id"],
        dag_id=document["dag_id"],
        version=document["version"],
        steps=parse_steps(json.loads(document["steps"])),
        change_log=document["change_log"],
        userid=document["userid"],
        created_at=document["created_at"],
    )


def audience_key(kind: AccessorType, principal: str) -> str:
    return f"{kind.value}:{principal}"


def audience_keys(audience: Audience) -> list[str]:
    return [
        audience_key(AccessorType.USER, audience.user_id),
        *(audience_key(AccessorType.DEPARTMENT, d) for d in sorted(audience.departments)),
        *(audience_key(AccessorType.GROUP, g) for g in sorted(audience.groups)),
    ]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
