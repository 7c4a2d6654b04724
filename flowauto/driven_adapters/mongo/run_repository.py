"""Runs, task instances, event logs and leases on MongoDB (pymongo's async client): collections
`runs`, `run_tasks` and `run_events`. One object plays both ports because leases live on the
run documents (`owner`, `lease_until_ms`, `epoch`).

Multi-document transactions need a replica set, so `save` does without them and writes in
the order that keeps its compare-and-set meaningful: the run document first (the write that
decides who may append this step), then the tasks, then the events. A writer that dies in
between leaves the run ahead of its log (a gap in the event numbers), never two winners.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from flowauto.domain.errors import (
    ConflictError,
    RunChangedError,
    RunLeaseLostError,
)
from flowauto.domain.paging import Page, RunQuery, SortOrder
from flowauto.domain.run import RUNNABLE, TERMINAL_RUN, Run, RunEvent, RunStatus, TaskInstance
from flowauto.domain.run_stats import RunStats
from flowauto.driven_adapters.mongo.access import available
from flowauto.driven_adapters.run_record import (
    event_from_record,
    event_record,
    run_from_record,
    run_record,
    task_from_record,
    task_record,
)
from flowauto.ports.event_outbox import EventOutbox
from flowauto.ports.run_lease import FIRST_EPOCH, InitialLease, Lease, RunLeases
from flowauto.ports.run_repository import RunRepository

Document = dict[str, Any]

IDEMPOTENCY_WINDOW_S = 24 * 3600
_RUNNABLE = sorted(status.value for status in RUNNABLE)
_ENDED = sorted(status.value for status in TERMINAL_RUN)
_NO_LEASE = {"owner": "", "lease_until_ms": 0}
# What a claim reads of a run before its compare-and-set: (id, epoch, owner).
_CANDIDATE = {"epoch": 1, "owner": 1}
_Candidate = tuple[str, int, str]

RUN_INDEXES = [
    IndexModel(
        [("idempotency_key", ASCENDING)],
        name="uq_idempotency_key",
        unique=True,
        partialFilterExpression={"idempotency_key": {"$exists": True}},
    ),
    IndexModel(
        [("biz_domain_id", ASCENDING), ("dag_id", ASCENDING), ("created_at", DESCENDING)],
        name="ix_domain_dag_created",
    ),
    IndexModel(
        [("biz_domain_id", ASCENDING), ("created_at", DESCENDING)], name="ix_domain_created"
    ),
    IndexModel([("dag_id", ASCENDING), ("status", ASCENDING)], name="ix_dag_status"),
    IndexModel([("status", ASCENDING), ("wake_at_ms", ASCENDING)], name="ix_status_wake"),
    IndexModel([("owner", ASCENDING)], name="ix_owner"),
]
TASK_INDEXES = [
    IndexModel([("run_id", ASCENDING), ("task_key", ASCENDING)], name="uq_run_key", unique=True),
]
EVENT_INDEXES = [
    IndexModel([("run_id", ASCENDING), ("seq", ASCENDING)], name="uq_run_seq", unique=True),
    IndexModel([("published_at_ms", ASCENDING), ("at_ms", ASCENDING)], name="ix_waiting"),
]


class MongoRunRepository(RunRepository, RunLeases, EventOutbox):
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self._runs = database["runs"]
        self._tasks = database["run_tasks"]
        self._events = database["run_events"]

    @classmethod
    def of_client(cls, client: AsyncMongoClient[Document]) -> MongoRunRepository:
        return cls(client.get_default_database("flowauto"))

    async def ensure_indexes(self) -> None:
        """Creates the indexes the queries need; does nothing when they exist."""
        async with available():
            await self._runs.create_indexes(RUN_INDEXES)
            await self._tasks.create_indexes(TASK_INDEXES)
            await self._events.create_indexes(EVENT_INDEXES)

    async def add(
        self, run: Run, events: Sequence[RunEvent], idempotency_key: str = "",
        lease: InitialLease | None = None,
    ) -> str:  # fmt: skip
        document = _run_document(run, idempotency_key)
        if lease is not None:
            document.update(owner=lease.owner, lease_until_ms=lease.until_ms, epoch=FIRST_EPOCH)
        async with available():
            # Twice at most: a key held by a run older than the window is freed, then retried.
            for _ in range(2):
                try:
                    await self._runs.insert_one(document)
                except DuplicateKeyError as error:
                    held = await self._key_holder(idempotency_key) if idempotency_key else None
                    if held is None:
                        raise ConflictError(
                            f"run {run.id} already exists", detail={"id": run.id}
                        ) from error
                    if run.created_at - held["created_at"] < IDEMPOTENCY_WINDOW_S:
                        return str(held["_id"])
                    await self._runs.update_one(
                        {"_id": held["_id"]}, {"$unset": {"idempotency_key": ""}}
                    )
                else:
                    await self._append(events)
                    return run.id
        raise ConflictError(f"idempotency key {idempotency_key!r} is in use")

    async def get(self, run_id: str) -> Run | None:
        async with available():
            document = await self._runs.find_one({"_id": run_id})
        return None if document is None else _run_from(document)

    async def save(
        self,
        run: Run,
        tasks: Sequence[TaskInstance],
        events: Sequence[RunEvent],
        *,
        expected_seq: int,
        epoch: int | None = None,
    ) -> None:
        record = run_record(run)
        del record["id"]
        cas: Document = {"_id": run.id, "event_seq": expected_seq}
        if epoch is not None:
            cas["epoch"] = epoch
        async with available():
            result = await self._runs.update_one(cas, {"$set": record})
            if result.matched_count != 1:
                await self._explain_miss(run.id, epoch)
            if tasks:
                await self._tasks.bulk_write([_task_upsert(task) for task in tasks])
            await self._append(events)

    async def tasks(self, run_id: str) -> list[TaskInstance]:
        async with available():
            documents = [doc async for doc in self._tasks.find({"run_id": run_id})]
        # Task ids are decimal strings of increasing numbers: a shorter id is an older task.
        documents.sort(key=lambda doc: (len(doc["_id"]), doc["_id"]))
        return [_task_from(doc) for doc in documents]

    async def get_task(self, task_id: str) -> TaskInstance | None:
        async with available():
            document = await self._tasks.find_one({"_id": task_id})
        return None if document is None else _task_from(document)

    async def find(self, query: RunQuery) -> Page[Run]:
        condition = _filters(query)
        direction = DESCENDING if query.order is SortOrder.DESC else ASCENDING
        async with available():
            total = await self._runs.count_documents(condition)
            items: tuple[Run, ...] = ()
            # A limit of 0 means "no limit" to MongoDB; here it means an empty page.
            if query.limit > 0:
                cursor = (
                    self._runs.find(condition)
                    .sort([(query.sort_by.value, direction), ("_id", direction)])
                    .skip(query.page * query.limit)
                    .limit(query.limit)
                )
                items = tuple([_run_from(doc) async for doc in cursor])
        return Page(total=total, page=query.page, limit=query.limit, items=items)

    async def count_by_status(self, biz_domain_id: str, dag_id: str) -> dict[str, int]:
        pipeline: list[Document] = [
            {"$match": {"biz_domain_id": biz_domain_id, "dag_id": dag_id, "debug": False}},
            {"$group": {"_id": "$status", "count": {"$sum": 1}}},
        ]
        async with available():
            cursor = await self._runs.aggregate(pipeline)
            return {str(doc["_id"]): int(doc["count"]) async for doc in cursor}

    async def events_after(self, run_id: str, seq: int, limit: int) -> list[RunEvent]:
        if limit <= 0:  # MongoDB reads a limit of 0 as "no limit"
            return []
        condition = {"run_id": run_id, "seq": {"$gt": seq}}
        async with available():
            cursor = self._events.find(condition).sort("seq", ASCENDING).limit(limit)
            return [event_from_record(doc) async for doc in cursor]

    async def stats(self, now_ms: int) -> RunStats:
        async with available():
            per_status = await self._runs.aggregate(_PER_STATUS)
            by_status = {str(doc["_id"]): int(doc["count"]) async for doc in per_status}
            waiting = [doc async for doc in await self._runs.aggregate(_waiting(now_ms))]
        if not waiting:  # no document matched: no group at all
            return RunStats(by_status=by_status)
        oldest = int(waiting[0]["oldest"]) * 1000
        depth = int(waiting[0]["count"])
        return RunStats(by_status=by_status, queue_depth=depth, oldest_pending_ms=oldest)

    async def unpublished(self, limit: int) -> list[RunEvent]:
        if limit <= 0:  # MongoDB reads a limit of 0 as "no limit"
            return []
        order = [("at_ms", ASCENDING), ("run_id", ASCENDING), ("seq", ASCENDING)]
        async with available():
            cursor = self._events.find({"published_at_ms": None}).sort(order).limit(limit)
            return [event_from_record(doc) async for doc in cursor]

    async def mark_published(self, events: Sequence[RunEvent]) -> None:
        if not events:
            return
        marked = {"$set": {"published_at_ms": int(time.time() * 1000)}}
        ids = [_event_id(event) for event in events]
        async with available():
            await self._events.update_many({"_id": {"$in": ids}}, marked)

    async def claim(self, worker: str, now_ms: int, lease_ms: int, limit: int) -> list[Lease]:
        if limit <= 0:  # MongoDB reads a limit of 0 as "no limit"
            return []
        condition = {"$and": [_can_progress(now_ms), _free(now_ms)]}
        async with available():
            cursor = (
                self._runs.find(condition, _CANDIDATE)
                .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
                .limit(limit)
            )
            candidates = [_candidate(doc) async for doc in cursor]
            return await self._take(worker, candidates, now_ms, lease_ms)

    async def claim_run(self, worker: str, run_id: str, now_ms: int, lease_ms: int) -> Lease | None:
        async with available():
            # A plain _id lookup, checked here: the compare-and-set in _take re-checks the lease.
            document = await self._runs.find_one({"_id": run_id})
            if document is None or not _claimable(document, now_ms):
                return None
            taken = await self._take(worker, [_candidate(document)], now_ms, lease_ms)
        return taken[0] if taken else None

    async def renew(
        self, worker: str, leases: Sequence[Lease], now_ms: int, lease_ms: int
    ) -> list[str]:
        lost: list[str] = []
        async with available():
            for lease in leases:
                change = {"$set": {"lease_until_ms": now_ms + lease_ms}}
                result = await self._runs.update_one(_held(worker, lease), change)
                if result.matched_count != 1:
                    lost.append(lease.run_id)
        return lost

    async def release(self, worker: str, lease: Lease) -> None:
        async with available():
            await self._runs.update_one(_held(worker, lease), {"$set": _NO_LEASE})

    async def reclaim(self, worker: str, now_ms: int, lease_ms: int) -> list[Lease]:
        async with available():
            unfinished = {"owner": worker, "status": {"$nin": _ENDED}}
            cursor = self._runs.find(unfinished, _CANDIDATE)
            held = [_candidate(doc) async for doc in cursor]
            return await self._take(worker, held, now_ms, lease_ms, own=True)

    async def revoke(self, run_id: str) -> None:
        change = {"$set": _NO_LEASE, "$inc": {"epoch": 1}}
        async with available():
            await self._runs.update_one({"_id": run_id}, change)

    async def _take(
        self, worker: str, candidates: Sequence[_Candidate], now_ms: int, lease_ms: int,
        *, own: bool = False,
    ) -> list[Lease]:  # fmt: skip
        """Compare-and-sets each candidate's epoch and owner (a release keeps the epoch), so of
        two claimers only one wins a run, and `taken_over` is about the holder replaced."""
        leases: list[Lease] = []
        for run_id, epoch, owner in candidates:
            still = {"owner": worker} if own else {"owner": owner, **_free(now_ms)}
            change = {"owner": worker, "lease_until_ms": now_ms + lease_ms, "epoch": epoch + 1}
            result = await self._runs.update_one(
                {"_id": run_id, "epoch": epoch, **still}, {"$set": change}
            )
            if result.matched_count == 1:
                # Released and revoked runs have no owner: a name left means its lease ran out.
                taken_over = bool(owner) and not own
                leases.append(Lease(run_id=run_id, epoch=epoch + 1, taken_over=taken_over))
        return leases

    async def _append(self, events: Sequence[RunEvent]) -> None:
        if events:
            await self._events.insert_many([_event_document(event) for event in events])

    async def _explain_miss(self, run_id: str, epoch: int | None) -> None:
        found = await self._runs.find_one({"_id": run_id}, {"epoch": 1})
        if found is not None and epoch is not None and found["epoch"] != epoch:
            raise RunLeaseLostError(run_id)
        raise RunChangedError(run_id)

    async def _key_holder(self, key: str) -> Document | None:
        return await self._runs.find_one({"idempotency_key": key}, {"created_at": 1})


def _run_document(run: Run, idempotency_key: str) -> Document:
    record = run_record(run)
    document = {"_id": record.pop("id"), **record, **_NO_LEASE, "epoch": 0}
    if idempotency_key:
        # Absent rather than empty: the unique index covers only runs that carry a key.
        document["idempotency_key"] = idempotency_key
    return document


def _run_from(document: Mapping[str, Any]) -> Run:
    return run_from_record({**document, "id": document["_id"]})


def _task_upsert(task: TaskInstance) -> UpdateOne:
    record = task_record(task)
    task_id = record.pop("id")
    # A task the run already has under this key keeps its id: others may hold on to it.
    return UpdateOne(
        {"run_id": task.run_id, "task_key": task.key},
        {"$set": record, "$setOnInsert": {"_id": task_id}},
        upsert=True,
    )


def _task_from(document: Mapping[str, Any]) -> TaskInstance:
    return task_from_record({**document, "id": document["_id"]})


def _event_document(event: RunEvent) -> Document:
    return {"_id": _event_id(event), **event_record(event)}


def _event_id(event: RunEvent) -> str:
    return f"{event.run_id}:{event.seq}"


def _can_progress(now_ms: int) -> Document:
    due = {"status": RunStatus.BLOCKED.value, "wake_at_ms": {"$lte": now_ms}}
    return {"$or": [{"status": {"$in": _RUNNABLE}}, due]}


_PER_STATUS: list[Document] = [{"$group": {"_id": "$status", "count": {"$sum": 1}}}]


def _waiting(now_ms: int) -> list[Document]:
    """How many runs a claim would find now, and the oldest one's creation time. The match is
    a range of ix_status_wake (runnable statuses, blocked and due)."""
    return [
        {"$match": {"$and": [_can_progress(now_ms), _free(now_ms)]}},
        {"$group": {"_id": None, "count": {"$sum": 1}, "oldest": {"$min": "$created_at"}}},
    ]


def _free(now_ms: int) -> Document:
    return {"$or": [{"owner": ""}, {"lease_until_ms": {"$lt": now_ms}}]}


def _claimable(document: Mapping[str, Any], now_ms: int) -> bool:
    """_can_progress and _free, on a document already read."""
    wake_at_ms = document["wake_at_ms"]
    progresses = document["status"] in _RUNNABLE or (
        document["status"] == RunStatus.BLOCKED.value
        and wake_at_ms is not None
        and wake_at_ms <= now_ms
    )
    return progresses and (document["owner"] == "" or document["lease_until_ms"] < now_ms)


def _candidate(document: Mapping[str, Any]) -> _Candidate:
    return str(document["_id"]), int(document["epoch"]), str(document["owner"])


def _held(worker: str, lease: Lease) -> Document:
    return {"_id": lease.run_id, "owner": worker, "epoch": lease.epoch}


def _filters(query: RunQuery) -> Document:
    condition: Document = {"biz_domain_id": query.biz_domain_id}
    if query.dag_id is not None:
        condition["dag_id"] = query.dag_id
    if query.statuses:
        condition["status"] = {"$in": list(query.statuses)}
    created: Document = {}
    if query.start_time is not None:
        created["$gte"] = query.start_time
    if query.end_time is not None:
        created["$lte"] = query.end_time
    if created:
        condition["created_at"] = created
    if query.name:
        condition["name"] = {"$regex": re.escape(query.name), "$options": "i"}
    if not query.include_debug:
        condition["debug"] = False
    return condition
