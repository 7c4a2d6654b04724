"""Rows of the SQL tables: the store-neutral record plus what the SQL indexes need."""

from __future__ import annotations

from typing import Any

from flowauto.domain.dag import Dag
from flowauto.driven_adapters.dag_record import dag_record


def dag_row(dag: Dag) -> dict[str, Any]:
    # live_title is NULL once deleted, so the unique index only covers live DAGs.
    return {**dag_record(dag), "live_title": dag.title if dag.deleted_at is None else None}


def accessor_rows(dag: Dag) -> list[dict[str, Any]]:
    return [{"dag_id": dag.id, "type": a.type.value, "accessor_id": a.id} for a in dag.accessors]
