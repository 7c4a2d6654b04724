"""MongoDB documents: the store-neutral record keyed by `_id`, plus what the indexes need."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowauto.domain.dag import AccessorType, Dag, DagVersion
from flowauto.domain.identity import Audience
from flowauto.driven_adapters.dag_record import (
    dag_from_record,
    dag_record,
    version_from_record,
    version_record,
)


def dag_document(dag: Dag) -> dict[str, Any]:
    record = dag_record(dag)
    document = {"_id": record.pop("id"), **record}
    document["audience_keys"] = [audience_key(a.type, a.id) for a in dag.accessors]
    if dag.deleted_at is None:
        # Only live DAGs carry live_title, which a partial unique index keeps unique.
        document["live_title"] = dag.title
    return document


def dag_from_document(document: Mapping[str, Any]) -> Dag:
    return dag_from_record({**document, "id": document["_id"]})


def version_document(version: DagVersion, biz_domain_id: str) -> dict[str, Any]:
    record = version_record(version, biz_domain_id)
    return {"_id": record.pop("version_id"), **record}


def version_from_document(document: Mapping[str, Any]) -> DagVersion:
    return version_from_record({**document, "version_id": document["_id"]})


def audience_key(kind: AccessorType, principal: str) -> str:
    return f"{kind.value}:{principal}"


def audience_keys(audience: Audience) -> list[str]:
    return [
        audience_key(AccessorType.USER, audience.user_id),
        *(audience_key(AccessorType.DEPARTMENT, d) for d in sorted(audience.departments)),
        *(audience_key(AccessorType.GROUP, g) for g in sorted(audience.groups)),
    ]
