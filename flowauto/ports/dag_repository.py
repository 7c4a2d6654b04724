"""Where DAGs and their versions are kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from flowauto.domain.dag import Dag, DagStatus, DagVersion
from flowauto.domain.paging import DagQuery, Page


class DagRepository(Protocol):
    """DAGs are scoped by business domain: nothing here crosses one.

    Deleted DAGs (`deleted_at` set) are invisible to every call except `find` with
    `query.deleted` and `get_version`/`list_versions` (history is kept).
    """

    async def add(self, dag: Dag, version: DagVersion) -> None:
        """Stores a new DAG and its first version; raises DagTitleTakenError when a live
        DAG of the domain already has the title, ConflictError when the id exists."""
        ...

    async def get(self, biz_domain_id: str, dag_id: str) -> Dag | None:
        """Returns the live DAG, or None when absent, deleted or in another domain."""
        ...

    async def find_live(self, dag_id: str) -> Dag | None:
        """Returns the live DAG with this id in whichever business domain, or None (webhook
        URLs name no domain)."""
        ...

    async def with_trigger_prefix(self, prefix: str) -> list[Dag]:
        """Returns every live DAG in status normal whose trigger operator starts with
        `prefix`, across business domains (for the scheduler and the event consumers)."""
        ...

    async def get_many(self, biz_domain_id: str, dag_ids: Sequence[str]) -> list[Dag]:
        """Returns the live DAGs among `dag_ids` in their order, absent ones left out."""
        ...

    async def find(self, query: DagQuery) -> Page[Dag]:
        """Returns one page of the DAGs matching the query."""
        ...

    async def update(self, dag: Dag, new_version: DagVersion | None) -> None:
        """Replaces the DAG if its stored revision is `dag.revision - 1`, adding `new_version`
        if given; raises DagRevisionConflictError when stale or absent, DagTitleTakenError
        when another live DAG of the domain has the new title."""
        ...

    async def titles_starting_with(self, biz_domain_id: str, prefix: str) -> set[str]:
        """Returns the titles of live DAGs of the domain that start with `prefix`."""
        ...

    async def set_status(
        self, biz_domain_id: str, dag_ids: Sequence[str], status: DagStatus, at: int
    ) -> int:
        """Sets the status of the live DAGs among `dag_ids`; returns how many exist."""
        ...

    async def mark_deleted(self, biz_domain_id: str, dag_ids: Sequence[str], at: int) -> int:
        """Soft-deletes the live DAGs among `dag_ids` (frees their titles); returns how many."""
        ...

    async def get_version(
        self, biz_domain_id: str, dag_id: str, version_id: str
    ) -> DagVersion | None:
        """Returns one version of a DAG (deleted DAGs included), or None when absent."""
        ...

    async def list_versions(self, biz_domain_id: str, dag_id: str) -> list[DagVersion]:
        """Returns every version of a DAG, newest first; empty when the DAG is unknown."""
        ...
