"""DagRepository on MongoDB (pymongo's async client): collections `dags` and `dag_versions`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from flowauto.domain.dag import Dag, DagStatus, DagVersion
from flowauto.domain.errors import (
    ConflictError,
    DagRevisionConflictError,
    DagTitleTakenError,
)
from flowauto.domain.paging import DagQuery, Page, SortOrder
from flowauto.driven_adapters.mongo.access import available
from flowauto.driven_adapters.mongo.dag_documents import (
    audience_keys,
    dag_document,
    dag_from_document,
    version_document,
    version_from_document,
)
from flowauto.ports.dag_repository import DagRepository

Document = dict[str, Any]

DAG_INDEXES = [
    IndexModel(
        [("biz_domain_id", ASCENDING), ("live_title", ASCENDING)],
        name="uq_live_title",
        unique=True,
        partialFilterExpression={"live_title": {"$exists": True}},
    ),
    *(
        IndexModel(
            [("biz_domain_id", ASCENDING), ("deleted_at", ASCENDING), (key, DESCENDING)],
            name=f"ix_domain_{key}",
        )
        for key in ("updated_at", "created_at", "title")
    ),
    IndexModel([("audience_keys", ASCENDING)], name="ix_audience_keys"),
]
VERSION_INDEXES = [
    IndexModel([("dag_id", ASCENDING), ("created_at", DESCENDING)], name="ix_dag_created"),
]


class MongoDagRepository(DagRepository):
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._dags = database["dags"]
        self._versions = database["dag_versions"]

    @classmethod
    def of_client(cls, client: AsyncMongoClient[Document]) -> MongoDagRepository:
        return cls(client.get_default_database("flowauto"))

    async def ensure_indexes(self) -> None:
        """Creates the indexes the queries need; does nothing when they exist."""
        async with available():
            await self._dags.create_indexes(DAG_INDEXES)
            await self._versions.create_indexes(VERSION_INDEXES)

    async def add(self, dag: Dag, version: DagVersion) -> None:
        async with available():
            # The version goes first: it stays invisible until a DAG points at it.
            await self._versions.insert_one(version_document(version, dag.biz_domain_id))
            try:
                await self._dags.insert_one(dag_document(dag))
            except DuplicateKeyError as error:
                await self._versions.delete_one({"_id": version.version_id})
                raise _conflict(error, dag) from error

    async def get(self, biz_domain_id: str, dag_id: str) -> Dag | None:
        found = await self.get_many(biz_domain_id, [dag_id])
        return found[0] if found else None

    async def find_live(self, dag_id: str) -> Dag | None:
        async with available():
            document = await self._dags.find_one({"_id": dag_id})
        if document is None or document.get("deleted_at") is not None:
            return None
        return dag_from_document(document)

    async def with_trigger_prefix(self, prefix: str) -> list[Dag]:
        condition = {
            "deleted_at": None,
            "status": DagStatus.NORMAL.value,
            "trigger": {"$regex": f"^{re.escape(prefix)}"},
        }
        async with available():
            return [dag_from_document(doc) async for doc in self._dags.find(condition)]

    async def get_many(self, biz_domain_id: str, dag_ids: Sequence[str]) -> list[Dag]:
        wanted = list(dict.fromkeys(dag_ids))
        # Look up by _id alone and check domain and liveness here: some servers (secantusdb)
        # scan the collection when the _id lookup carries other conditions.
        async with available():
            cursor = self._dags.find({"_id": {"$in": wanted}})
            by_id = {
                doc["_id"]: dag_from_document(doc)
                async for doc in cursor
                if doc["biz_domain_id"] == biz_domain_id and doc.get("deleted_at") is None
            }
        return [by_id[dag_id] for dag_id in wanted if dag_id in by_id]

    async def find(self, query: DagQuery) -> Page[Dag]:
        condition = _filters(query)
        direction = DESCENDING if query.order is SortOrder.DESC else ASCENDING
        async with available():
            total = await self._dags.count_documents(condition)
            cursor = (
                self._dags.find(condition)
                .sort([(query.sort_by.value, direction), ("_id", direction)])
                .skip(query.page * query.limit)
                .limit(query.limit)
            )
            items = tuple([dag_from_document(doc) async for doc in cursor])
        return Page(total=total, page=query.page, limit=query.limit, items=items)

    async def update(self, dag: Dag, new_version: DagVersion | None) -> None:
        document = dag_document(dag)
        change: Document = {"$set": {k: v for k, v in document.items() if k != "_id"}}
        if "live_title" not in document:
            change["$unset"] = {"live_title": ""}
        cas = _live(dag.biz_domain_id, _id=dag.id, revision=dag.revision - 1)
        async with available():
            if new_version is not None:
                await self._versions.insert_one(version_document(new_version, dag.biz_domain_id))
            try:
                result = await self._dags.update_one(cas, change)
            except DuplicateKeyError as error:
                await self._forget(new_version)
                raise _conflict(error, dag) from error
            if result.matched_count != 1:
                await self._forget(new_version)
                raise DagRevisionConflictError(dag.id)

    async def titles_starting_with(self, biz_domain_id: str, prefix: str) -> set[str]:
        condition = _live(biz_domain_id, title={"$regex": f"^{re.escape(prefix)}"})
        async with available():
            return {doc["title"] async for doc in self._dags.find(condition, {"title": 1})}

    async def set_status(
        self, biz_domain_id: str, dag_ids: Sequence[str], status: DagStatus, at: int
    ) -> int:
        return await self._change_live(
            biz_domain_id, dag_ids, {"$set": {"status": status.value, "updated_at": at}}
        )

    async def mark_deleted(self, biz_domain_id: str, dag_ids: Sequence[str], at: int) -> int:
        return await self._change_live(
            biz_domain_id,
            dag_ids,
            {"$set": {"deleted_at": at, "updated_at": at}, "$unset": {"live_title": ""}},
        )

    async def get_version(
        self, biz_domain_id: str, dag_id: str, version_id: str
    ) -> DagVersion | None:
        condition = {"_id": version_id, "dag_id": dag_id, "biz_domain_id": biz_domain_id}
        async with available():
            document = await self._versions.find_one(condition)
        return None if document is None else version_from_document(document)

    async def list_versions(self, biz_domain_id: str, dag_id: str) -> list[DagVersion]:
        condition = {"dag_id": dag_id, "biz_domain_id": biz_domain_id}
        async with available():
            cursor = self._versions.find(condition).sort(
                [("created_at", DESCENDING), ("_id", DESCENDING)]
            )
            return [version_from_document(doc) async for doc in cursor]

    async def _change_live(
        self, biz_domain_id: str, dag_ids: Sequence[str], change: Document
    ) -> int:
        condition = _live(biz_domain_id, _id={"$in": list(dict.fromkeys(dag_ids))})
        async with available():
            result = await self._dags.update_many(condition, {**change, "$inc": {"revision": 1}})
        return result.modified_count

    async def _forget(self, version: DagVersion | None) -> None:
        """Removes a version whose DAG update did not happen (it was never visible)."""
        if version is not None:
            await self._versions.delete_one({"_id": version.version_id})


def _live(biz_domain_id: str, **conditions: Any) -> Document:
    return {"biz_domain_id": biz_domain_id, "deleted_at": None, **conditions}


def _filters(query: DagQuery) -> Document:
    condition: Document = {
        "biz_domain_id": query.biz_domain_id,
        "deleted_at": {"$ne": None} if query.deleted else None,
    }
    clauses: list[Document] = []
    if query.audience is not None:
        clauses.append(
            {
                "$or": [
                    {"userid": query.audience.user_id},
                    {"audience_keys": {"$in": audience_keys(query.audience)}},
                ]
            }
        )
    if query.keyword:
        pattern = {"$regex": re.escape(query.keyword), "$options": "i"}
        clauses.append({"$or": [{"title": pattern}, {"description": pattern}]})
    if clauses:
        condition["$and"] = clauses
    for field, value in (
        ("type", query.type),
        ("trigger", query.trigger_type),
        ("status", query.status.value if query.status else None),
    ):
        if value is not None:
            condition[field] = value
    return condition


def _conflict(error: DuplicateKeyError, dag: Dag) -> ConflictError:
    if "live_title" in str(error):
        return DagTitleTakenError(dag.title)
    return ConflictError(f"DAG {dag.id} already exists", detail={"id": dag.id})
