"""DagRepository on SQLAlchemy Core: SQLite (embedded) and MySQL/MariaDB."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from flowauto.domain.dag import AccessorType, Dag, DagStatus, DagVersion
from flowauto.domain.errors import (
    ConflictError,
    DagRevisionConflictError,
    DagTitleTakenError,
)
from flowauto.domain.identity import Audience
from flowauto.domain.paging import DagQuery, DagSortKey, Page, SortOrder
from flowauto.driven_adapters.dag_record import (
    dag_from_record,
    version_from_record,
    version_record,
)
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.dag_rows import accessor_rows, dag_row
from flowauto.driven_adapters.sql.tables import dag_accessors, dag_versions, dags
from flowauto.ports.dag_repository import DagRepository

_LIKE_ESCAPE = "!"
_SORT_COLUMNS = {
    DagSortKey.UPDATED_AT: dags.c.updated_at,
    DagSortKey.CREATED_AT: dags.c.created_at,
    DagSortKey.TITLE: dags.c.title,
}


class SqlDagRepository(DagRepository):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, dag: Dag, version: DagVersion) -> None:
        async with self._transaction() as connection:
            try:
                await connection.execute(dags.insert().values(dag_row(dag)))
            except IntegrityError as error:
                raise _conflict(error, dag) from error
            await connection.execute(
                dag_versions.insert().values(version_record(version, dag.biz_domain_id))
            )
            await _insert_accessors(connection, dag)

    async def get(self, biz_domain_id: str, dag_id: str) -> Dag | None:
        # The hottest read (every run start): a prepared statement, compiled once.
        parameters = {"wanted_domain": biz_domain_id, "wanted_id": dag_id}
        async with self._reading() as connection:
            row = (await connection.execute(_GET_LIVE, parameters)).mappings().first()
        return None if row is None else dag_from_record(row)

    async def find_live(self, dag_id: str) -> Dag | None:
        statement = select(dags).where(dags.c.id == dag_id, dags.c.deleted_at.is_(None))
        async with self._reading() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else dag_from_record(row)

    async def with_trigger_prefix(self, prefix: str) -> list[Dag]:
        statement = select(dags).where(
            dags.c.deleted_at.is_(None),
            dags.c.status == DagStatus.NORMAL.value,
            dags.c.trigger.like(f"{_escape_like(prefix)}%", escape=_LIKE_ESCAPE),
        )
        async with self._reading() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        # SQLite's LIKE ignores ASCII case: keep the exact prefix matches.
        return [dag for dag in map(dag_from_record, rows) if dag.trigger.startswith(prefix)]

    async def get_many(self, biz_domain_id: str, dag_ids: Sequence[str]) -> list[Dag]:
        wanted = list(dict.fromkeys(dag_ids))
        by_id = {dag.id: dag for dag in await self._select_live(biz_domain_id, wanted)}
        return [by_id[dag_id] for dag_id in wanted if dag_id in by_id]

    async def find(self, query: DagQuery) -> Page[Dag]:
        condition = _filters(query)
        sort = _SORT_COLUMNS[query.sort_by]
        order = (
            (sort.desc(), dags.c.id.desc()) if query.order is SortOrder.DESC else (sort, dags.c.id)
        )
        page = select(dags).where(condition).order_by(*order)
        page = page.limit(query.limit).offset(query.page * query.limit)
        async with self._reading() as connection:
            total = await connection.scalar(select(func.count()).select_from(dags).where(condition))
            rows = (await connection.execute(page)).mappings().all()
        return Page(
            total=int(total or 0),
            page=query.page,
            limit=query.limit,
            items=tuple(dag_from_record(row) for row in rows),
        )

    async def update(self, dag: Dag, new_version: DagVersion | None) -> None:
        row = dag_row(dag)
        compare_and_set = (
            dags.update()
            .where(
                _live(dag.biz_domain_id), dags.c.id == dag.id, dags.c.revision == dag.revision - 1
            )
            .values({key: value for key, value in row.items() if key != "id"})
        )
        async with self._transaction() as connection:
            try:
                result = await connection.execute(compare_and_set)
            except IntegrityError as error:
                raise _conflict(error, dag) from error
            if result.rowcount != 1:
                raise DagRevisionConflictError(dag.id)
            await connection.execute(dag_accessors.delete().where(dag_accessors.c.dag_id == dag.id))
            await _insert_accessors(connection, dag)
            if new_version is not None:
                await connection.execute(
                    dag_versions.insert().values(version_record(new_version, dag.biz_domain_id))
                )

    async def titles_starting_with(self, biz_domain_id: str, prefix: str) -> set[str]:
        statement = select(dags.c.title).where(
            _live(biz_domain_id),
            dags.c.title.like(f"{_escape_like(prefix)}%", escape=_LIKE_ESCAPE),
        )
        async with self._reading() as connection:
            titles = (await connection.execute(statement)).scalars().all()
        # SQLite's LIKE ignores ASCII case: keep the exact, case-sensitive prefix matches.
        return {title for title in titles if title.startswith(prefix)}

    async def set_status(
        self, biz_domain_id: str, dag_ids: Sequence[str], status: DagStatus, at: int
    ) -> int:
        return await self._change_live(biz_domain_id, dag_ids, status=status.value, updated_at=at)

    async def mark_deleted(self, biz_domain_id: str, dag_ids: Sequence[str], at: int) -> int:
        return await self._change_live(
            biz_domain_id, dag_ids, deleted_at=at, live_title=None, updated_at=at
        )

    async def get_version(
        self, biz_domain_id: str, dag_id: str, version_id: str
    ) -> DagVersion | None:
        statement = select(dag_versions).where(
            dag_versions.c.biz_domain_id == biz_domain_id,
            dag_versions.c.dag_id == dag_id,
            dag_versions.c.version_id == version_id,
        )
        async with self._reading() as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else version_from_record(row)

    async def list_versions(self, biz_domain_id: str, dag_id: str) -> list[DagVersion]:
        statement = (
            select(dag_versions)
            .where(dag_versions.c.biz_domain_id == biz_domain_id, dag_versions.c.dag_id == dag_id)
            .order_by(
                dag_versions.c.created_at.desc(),
                func.length(dag_versions.c.version_id).desc(),
                dag_versions.c.version_id.desc(),
            )
        )
        async with self._reading() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [version_from_record(row) for row in rows]

    async def _select_live(self, biz_domain_id: str, dag_ids: list[str]) -> list[Dag]:
        if not dag_ids:
            return []
        statement = select(dags).where(_live(biz_domain_id), dags.c.id.in_(dag_ids))
        async with self._reading() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [dag_from_record(row) for row in rows]

    async def _change_live(self, biz_domain_id: str, dag_ids: Sequence[str], **values: Any) -> int:
        if not dag_ids:
            return 0
        statement = (
            dags.update()
            .where(_live(biz_domain_id), dags.c.id.in_(list(dict.fromkeys(dag_ids))))
            .values(revision=dags.c.revision + 1, **values)
        )
        async with self._transaction() as connection:
            result = await connection.execute(statement)
        return int(result.rowcount)

    def _transaction(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return transaction(self._engine)

    def _reading(self) -> AbstractAsyncContextManager[AsyncConnection]:
        return reading(self._engine)


_GET_LIVE = select(dags).where(
    dags.c.biz_domain_id == bindparam("wanted_domain"),
    dags.c.deleted_at.is_(None),
    dags.c.id == bindparam("wanted_id"),
)


def _live(biz_domain_id: str) -> ColumnElement[bool]:
    return and_(dags.c.biz_domain_id == biz_domain_id, dags.c.deleted_at.is_(None))


def _filters(query: DagQuery) -> ColumnElement[bool]:
    deleted = dags.c.deleted_at.is_not(None) if query.deleted else dags.c.deleted_at.is_(None)
    conditions: list[ColumnElement[bool]] = [dags.c.biz_domain_id == query.biz_domain_id, deleted]
    if query.audience is not None:
        conditions.append(_visible_to(query.audience))
    if query.keyword:
        pattern = f"%{_escape_like(query.keyword.lower())}%"
        conditions.append(
            or_(
                func.lower(dags.c.title).like(pattern, escape=_LIKE_ESCAPE),
                func.lower(dags.c.description).like(pattern, escape=_LIKE_ESCAPE),
            )
        )
    if query.type is not None:
        conditions.append(dags.c.type == query.type)
    if query.trigger_type is not None:
        conditions.append(dags.c.trigger == query.trigger_type)
    if query.status is not None:
        conditions.append(dags.c.status == query.status.value)
    return and_(*conditions)


def _visible_to(audience: Audience) -> ColumnElement[bool]:
    def principal(kind: AccessorType, ids: Sequence[str]) -> ColumnElement[bool]:
        if not ids:
            return false()
        return and_(dag_accessors.c.type == kind.value, dag_accessors.c.accessor_id.in_(ids))

    shared = exists().where(
        dag_accessors.c.dag_id == dags.c.id,
        or_(
            principal(AccessorType.USER, [audience.user_id]),
            principal(AccessorType.DEPARTMENT, sorted(audience.departments)),
            principal(AccessorType.GROUP, sorted(audience.groups)),
        ),
    )
    return or_(dags.c.userid == audience.user_id, shared)


async def _insert_accessors(connection: AsyncConnection, dag: Dag) -> None:
    rows = accessor_rows(dag)
    if rows:
        await connection.execute(dag_accessors.insert(), rows)


def _escape_like(text: str) -> str:
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", f"{_LIKE_ESCAPE}%")
        .replace("_", f"{_LIKE_ESCAPE}_")
    )


def _conflict(error: IntegrityError, dag: Dag) -> ConflictError:
    if "live_title" in str(error.orig):
        return DagTitleTakenError(dag.title)
    return ConflictError(f"DAG {dag.id} already exists", detail={"id": dag.id})
