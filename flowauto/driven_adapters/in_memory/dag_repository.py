"""A dict-backed DagRepository for unit tests and `build_in_memory()`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from flowauto.domain.dag import Dag, DagStatus, DagVersion
from flowauto.domain.errors import ConflictError, DagRevisionConflictError, DagTitleTakenError
from flowauto.domain.identity import is_visible
from flowauto.domain.paging import DagQuery, DagSortKey, Page, SortOrder
from flowauto.ports.dag_repository import DagRepository

_Change = Callable[[Dag], dict[str, Any]]


class InMemoryDagRepository(DagRepository):
    def __init__(self) -> None:
        self._dags: dict[str, Dag] = {}
        self._versions: dict[str, list[DagVersion]] = {}

    async def add(self, dag: Dag, version: DagVersion) -> None:
        if dag.id in self._dags:
            raise ConflictError(f"DAG {dag.id} already exists", detail={"id": dag.id})
        self._check_title_free(dag)
        self._dags[dag.id] = dag
        self._versions[dag.id] = [version]

    async def get(self, biz_domain_id: str, dag_id: str) -> Dag | None:
        return self._live_dag(biz_domain_id, dag_id)

    async def find_live(self, dag_id: str) -> Dag | None:
        dag = self._dags.get(dag_id)
        return dag if dag is not None and dag.deleted_at is None else None

    async def with_trigger_prefix(self, prefix: str) -> list[Dag]:
        return [
            dag
            for dag in self._dags.values()
            if dag.deleted_at is None
            and dag.status is DagStatus.NORMAL
            and dag.trigger.startswith(prefix)
        ]

    async def get_many(self, biz_domain_id: str, dag_ids: Sequence[str]) -> list[Dag]:
        found = [self._live_dag(biz_domain_id, dag_id) for dag_id in dict.fromkeys(dag_ids)]
        return [dag for dag in found if dag is not None]

    async def find(self, query: DagQuery) -> Page[Dag]:
        matching = [dag for dag in self._dags.values() if _matches(dag, query)]
        reverse = query.order is SortOrder.DESC
        matching.sort(key=lambda dag: (_sort_value(dag, query.sort_by), dag.id), reverse=reverse)
        start = query.page * query.limit
        return Page(
            total=len(matching),
            page=query.page,
            limit=query.limit,
            items=tuple(matching[start : start + query.limit]),
        )

    async def update(self, dag: Dag, new_version: DagVersion | None) -> None:
        # No await between the check and the write: the compare-and-set is atomic.
        stored = self._live_dag(dag.biz_domain_id, dag.id)
        if stored is None or stored.revision != dag.revision - 1:
            raise DagRevisionConflictError(dag.id)
        self._check_title_free(dag)
        self._dags[dag.id] = dag
        if new_version is not None:
            self._versions[dag.id].append(new_version)

    async def titles_starting_with(self, biz_domain_id: str, prefix: str) -> set[str]:
        return {dag.title for dag in self._live(biz_domain_id) if dag.title.startswith(prefix)}

    async def set_status(
        self, biz_domain_id: str, dag_ids: Sequence[str], status: DagStatus, at: int
    ) -> int:
        return self._change_each(
            biz_domain_id, dag_ids, lambda dag: {"status": status, "updated_at": at}
        )

    async def mark_deleted(self, biz_domain_id: str, dag_ids: Sequence[str], at: int) -> int:
        return self._change_each(
            biz_domain_id, dag_ids, lambda dag: {"deleted_at": at, "updated_at": at}
        )

    async def get_version(
        self, biz_domain_id: str, dag_id: str, version_id: str
    ) -> DagVersion | None:
        dag = self._dags.get(dag_id)
        if dag is None or dag.biz_domain_id != biz_domain_id:
            return None
        return next((v for v in self._versions[dag_id] if v.version_id == version_id), None)

    async def list_versions(self, biz_domain_id: str, dag_id: str) -> list[DagVersion]:
        dag = self._dags.get(dag_id)
        if dag is None or dag.biz_domain_id != biz_domain_id:
            return []
        return sorted(self._versions[dag_id], key=lambda v: int(v.version_id), reverse=True)

    def _live_dag(self, biz_domain_id: str, dag_id: str) -> Dag | None:
        dag = self._dags.get(dag_id)
        if dag is None or dag.biz_domain_id != biz_domain_id or dag.deleted_at is not None:
            return None
        return dag

    def _live(self, biz_domain_id: str) -> list[Dag]:
        return [
            dag
            for dag in self._dags.values()
            if dag.biz_domain_id == biz_domain_id and dag.deleted_at is None
        ]

    def _check_title_free(self, dag: Dag) -> None:
        for other in self._live(dag.biz_domain_id):
            if other.id != dag.id and other.title == dag.title:
                raise DagTitleTakenError(dag.title)

    def _change_each(self, biz_domain_id: str, dag_ids: Sequence[str], change: _Change) -> int:
        changed = 0
        for dag_id in dict.fromkeys(dag_ids):
            dag = self._live_dag(biz_domain_id, dag_id)
            if dag is None:
                continue
            self._dags[dag_id] = dataclasses.replace(dag, revision=dag.revision + 1, **change(dag))
            changed += 1
        return changed


def _matches(dag: Dag, query: DagQuery) -> bool:
    if dag.biz_domain_id != query.biz_domain_id:
        return False
    if (dag.deleted_at is not None) != query.deleted:
        return False
    if query.audience is not None and not is_visible(dag, query.audience):
        return False
    if query.keyword:
        needle = query.keyword.lower()
        if needle not in dag.title.lower() and needle not in dag.description.lower():
            return False
    return (
        (query.type is None or dag.type == query.type)
        and (query.trigger_type is None or dag.trigger == query.trigger_type)
        and (query.status is None or dag.status is query.status)
    )


def _sort_value(dag: Dag, key: DagSortKey) -> str | int:
    if key is DagSortKey.TITLE:
        return dag.title
    if key is DagSortKey.CREATED_AT:
        return dag.created_at
    return dag.updated_at
