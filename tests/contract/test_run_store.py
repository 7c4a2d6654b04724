"""The run repository and lease contract, on the fake and every real store."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest

from flowauto.domain.errors import RunChangedError, RunLeaseLostError
from flowauto.domain.paging import RunQuery, RunSortKey, SortOrder
from flowauto.domain.run import (
    Run,
    RunStatus,
    RunTrigger,
    TaskInstance,
    TaskStatus,
    run_status_event,
    task_status_event,
)
from flowauto.ports.run_lease import FIRST_EPOCH, InitialLease, Lease
from tests.builders import next_id
from tests.contract.conftest import RunStore

NOW_MS = 1_800_000_000_000
_created = itertools.count(1_700_000_000)


def make_run(**overrides: Any) -> Run:
    fields: dict[str, Any] = {
        "id": next_id(),
        "dag_id": "d1",
        "version_id": "v1",
        "version": "v1.0.0",
        "name": "Nightly sync",
        "trigger": RunTrigger.MANUAL,
        "userid": "u1",
        "biz_domain_id": "default",
        "created_at": next(_created),
        "vars": {"n": 1, "list": [1, "a"]},
        "inputs": {"fields": {"x": 2}},
    }
    fields.update(overrides)
    return Run(**fields)


def make_task(run: Run, key: str, **overrides: Any) -> TaskInstance:
    fields: dict[str, Any] = {
        "id": next_id(),
        "run_id": run.id,
        "key": key,
        "step_id": key.split("@")[0],
        "operator": "@internal/time/now",
        "status": TaskStatus.SUCCESS,
        "outputs": {"curtime": "2026-01-01T00:00:00Z", "n": [1, 2]},
    }
    fields.update(overrides)
    return TaskInstance(**fields)


async def advance(store: RunStore, run: Run, *tasks: TaskInstance, epoch: int | None = None) -> Run:
    events = [task_status_event(task, run.event_seq + i, NOW_MS) for i, task in enumerate(tasks, 1)]
    moved = dataclasses.replace(run, event_seq=run.event_seq + len(events))
    await store.save(moved, list(tasks), events, expected_seq=run.event_seq, epoch=epoch)
    return moved


async def test_an_added_run_reads_back_equal(run_store: RunStore) -> None:
    run = make_run()
    assert await run_store.add(run, []) == run.id
    assert await run_store.get(run.id) == run
    assert await run_store.get("404") is None


async def test_an_idempotency_key_returns_the_first_run(run_store: RunStore) -> None:
    first, second = make_run(), make_run()
    assert await run_store.add(first, [], "k1") == first.id
    assert await run_store.add(second, [], "k1") == first.id
    assert await run_store.get(second.id) is None


async def test_an_idempotency_key_older_than_a_day_starts_a_new_run(run_store: RunStore) -> None:
    first = make_run(created_at=1_700_000_000)
    later = make_run(created_at=1_700_000_000 + 24 * 3600 + 1)
    await run_store.add(first, [], "k2")
    assert await run_store.add(later, [], "k2") == later.id


async def test_save_writes_the_run_upserts_tasks_by_key_and_appends_events(
    run_store: RunStore,
) -> None:
    run = make_run()
    await run_store.add(run, [])
    running = make_task(run, "2", status=TaskStatus.RUNNING, outputs={})
    run = await advance(run_store, run, running)
    done = dataclasses.replace(running, status=TaskStatus.SUCCESS, outputs={"v": 1})
    run = await advance(run_store, dataclasses.replace(run, status=RunStatus.RUNNING), done)
    assert await run_store.tasks(run.id) == [done]
    assert await run_store.get_task(done.id) == done
    assert (await run_store.get(run.id)) == run
    events = await run_store.events_after(run.id, 0, 100)
    assert [event.seq for event in events] == [1, 2]
    assert events[1].data["status"] == "success"
    assert [e.seq for e in await run_store.events_after(run.id, 1, 100)] == [2]


async def test_a_stale_sequence_loses_and_writes_nothing(run_store: RunStore) -> None:
    run = make_run()
    await run_store.add(run, [])
    await advance(run_store, run, make_task(run, "2"))
    with pytest.raises(RunChangedError):
        await advance(run_store, run, make_task(run, "3"))
    assert [task.key for task in await run_store.tasks(run.id)] == ["2"]
    assert len(await run_store.events_after(run.id, 0, 100)) == 1


async def test_tasks_come_back_in_creation_order(run_store: RunStore) -> None:
    run = make_run()
    await run_store.add(run, [])
    keys = ["2", "3@2.0", "3@2.1", "10", "4"]
    await advance(run_store, run, *(make_task(run, key) for key in keys))
    assert [task.key for task in await run_store.tasks(run.id)] == keys


async def test_find_filters_sorts_and_pages(run_store: RunStore) -> None:
    made = [make_run(status=RunStatus(s)) for s in ("success", "failed", "success", "running")]
    made.append(make_run(dag_id="other"))
    made.append(make_run(debug=True))
    made.append(make_run(biz_domain_id="elsewhere"))
    for run in made:
        await run_store.add(run, [])
    query = RunQuery(biz_domain_id="default", dag_id="d1", limit=2, order=SortOrder.ASC)
    page = await run_store.find(query)
    assert page.total == 4
    assert [run.id for run in page.items] == [made[0].id, made[1].id]
    statuses = await run_store.find(dataclasses.replace(query, statuses=("success", "failed")))
    assert statuses.total == 3
    window = RunQuery(
        biz_domain_id="default", start_time=made[1].created_at, end_time=made[2].created_at
    )
    assert {run.id for run in (await run_store.find(window)).items} == {made[1].id, made[2].id}
    debug = await run_store.find(RunQuery(biz_domain_id="default", include_debug=True))
    assert debug.total == 6


async def test_find_by_name_and_sort_by_start(run_store: RunStore) -> None:
    early = make_run(name="Invoice sync", started_at=10)
    late = make_run(name="Other", started_at=20)
    for run in (early, late):
        await run_store.add(run, [])
    named = await run_store.find(RunQuery(biz_domain_id="default", name="INVOICE"))
    assert [run.id for run in named.items] == [early.id]
    by_start = RunQuery(biz_domain_id="default", sort_by=RunSortKey.STARTED_AT)
    assert [run.id for run in (await run_store.find(by_start)).items][:2] == [late.id, early.id]


async def test_counts_by_status_leave_debug_runs_out(run_store: RunStore) -> None:
    for status in ("success", "success", "failed"):
        await run_store.add(make_run(dag_id="counted", status=RunStatus(status)), [])
    await run_store.add(make_run(dag_id="counted", debug=True), [])
    assert await run_store.count_by_status("default", "counted") == {"success": 2, "failed": 1}


async def test_claim_takes_runnable_and_due_runs_once(run_store: RunStore) -> None:
    runnable = make_run(status=RunStatus.SCHEDULED)
    due = make_run(status=RunStatus.BLOCKED, wake_at_ms=NOW_MS - 1)
    waiting = make_run(status=RunStatus.BLOCKED, wake_at_ms=NOW_MS + 60_000)
    approval = make_run(status=RunStatus.BLOCKED)
    done = make_run(status=RunStatus.SUCCESS)
    for run in (runnable, due, waiting, approval, done):
        await run_store.add(run, [])
    leases = await run_store.claim("w1", NOW_MS, 10_000, 10)
    assert {lease.run_id for lease in leases} == {runnable.id, due.id}
    assert await run_store.claim("w2", NOW_MS, 10_000, 10) == []
    later = await run_store.claim("w2", NOW_MS + 10_001, 10_000, 10)
    assert {lease.run_id for lease in later} == {runnable.id, due.id}


async def test_a_claim_fences_off_the_previous_holder(run_store: RunStore) -> None:
    run = make_run(status=RunStatus.RUNNING)
    await run_store.add(run, [])
    first = await run_store.claim_run("w1", run.id, NOW_MS, 1000)
    assert first is not None
    second = await run_store.claim_run("w2", run.id, NOW_MS + 2000, 1000)
    assert second is not None
    assert second.epoch > first.epoch
    with pytest.raises(RunLeaseLostError):
        await advance(run_store, run, make_task(run, "2"), epoch=first.epoch)
    await advance(run_store, run, make_task(run, "2"), epoch=second.epoch)
    assert await run_store.renew("w1", [first], NOW_MS + 2000, 1000) == [run.id]
    assert await run_store.renew("w2", [second], NOW_MS + 2000, 1000) == []


async def test_release_and_revoke_free_the_run(run_store: RunStore) -> None:
    run = make_run(status=RunStatus.RUNNING)
    await run_store.add(run, [])
    lease = await run_store.claim_run("w1", run.id, NOW_MS, 10_000)
    assert lease is not None
    assert await run_store.claim_run("w2", run.id, NOW_MS, 10_000) is None
    await run_store.release("w1", lease)
    again = await run_store.claim_run("w2", run.id, NOW_MS, 10_000)
    assert again is not None
    await run_store.revoke(run.id)
    assert await run_store.renew("w2", [again], NOW_MS, 10_000) == [run.id]


async def test_reclaim_takes_back_a_restarted_workers_runs(run_store: RunStore) -> None:
    run = make_run(status=RunStatus.RUNNING)
    await run_store.add(run, [])
    old = await run_store.claim_run("w1", run.id, NOW_MS, 10_000)
    assert old is not None
    leases = await run_store.reclaim("w1", NOW_MS + 1, 10_000)
    assert [lease.run_id for lease in leases] == [run.id]
    assert leases[0].epoch > old.epoch
    assert await run_store.reclaim("w2", NOW_MS + 1, 10_000) == []


async def test_a_run_added_with_a_lease_is_held_at_the_first_epoch(run_store: RunStore) -> None:
    run = make_run(status=RunStatus.SCHEDULED)
    await run_store.add(run, [], lease=InitialLease(owner="w1", until_ms=NOW_MS + 10_000))
    assert await run_store.claim("w2", NOW_MS, 10_000, 10) == []
    lease = Lease(run_id=run.id, epoch=FIRST_EPOCH)
    assert await run_store.renew("w1", [lease], NOW_MS, 10_000) == []
    await advance(run_store, run, make_task(run, "2"), epoch=FIRST_EPOCH)
    taken = await run_store.claim("w2", NOW_MS + 20_001, 10_000, 10)
    assert [held.run_id for held in taken] == [run.id]


async def test_reclaim_leaves_ended_runs_alone(run_store: RunStore) -> None:
    ended = make_run(status=RunStatus.SUCCESS)
    await run_store.add(ended, [], lease=InitialLease(owner="w1", until_ms=NOW_MS))
    assert await run_store.reclaim("w1", NOW_MS, 10_000) == []


async def test_run_status_events_carry_the_status(run_store: RunStore) -> None:
    run = make_run()
    await run_store.add(run, [run_status_event(run, 1, NOW_MS)])
    events = await run_store.events_after(run.id, 0, 10)
    assert events[0].data == {"id": run.id, "status": "scheduled", "reason": ""}


async def test_the_outbox_gives_unpublished_events_in_order_until_marked(
    run_store: RunStore,
) -> None:
    run = make_run(event_seq=1)
    await run_store.add(run, [run_status_event(run, 1, NOW_MS)])
    run = await advance(run_store, run, make_task(run, "2"), make_task(run, "3"))
    waiting = await run_store.unpublished(100)
    assert [(e.run_id, e.seq) for e in waiting if e.run_id == run.id] == [
        (run.id, 1), (run.id, 2), (run.id, 3),
    ]  # fmt: skip
    await run_store.mark_published(waiting[:2])
    left = [(e.run_id, e.seq) for e in await run_store.unpublished(100) if e.run_id == run.id]
    assert left == [(run.id, 3)]


async def test_a_claim_from_an_expired_holder_says_it_took_over(run_store: RunStore) -> None:
    run = make_run(status=RunStatus.RUNNING)
    await run_store.add(run, [])
    fresh = await run_store.claim_run("w1", run.id, NOW_MS, 1000)
    assert fresh is not None
    assert fresh.taken_over is False
    taken = await run_store.claim("w2", NOW_MS + 2000, 1000, 10)
    assert [(lease.run_id, lease.taken_over) for lease in taken] == [(run.id, True)]


async def test_claim_run_takes_over_a_lease_stored_with_the_run(run_store: RunStore) -> None:
    run = make_run(status=RunStatus.SCHEDULED)
    await run_store.add(run, [], lease=InitialLease(owner="w1", until_ms=NOW_MS - 1))
    lease = await run_store.claim_run("w2", run.id, NOW_MS, 1000)
    assert lease is not None
    assert lease.taken_over is True


async def test_released_and_revoked_runs_are_claimed_without_a_take_over(
    run_store: RunStore,
) -> None:
    run = make_run(status=RunStatus.RUNNING)
    await run_store.add(run, [])
    first = await run_store.claim_run("w1", run.id, NOW_MS, 1000)
    assert first is not None
    await run_store.release("w1", first)
    second = await run_store.claim_run("w2", run.id, NOW_MS + 2000, 1000)
    assert second is not None
    assert second.taken_over is False
    await run_store.revoke(run.id)
    third = await run_store.claim("w3", NOW_MS + 4000, 1000, 10)
    assert [(lease.run_id, lease.taken_over) for lease in third] == [(run.id, False)]


async def test_reclaiming_ones_own_runs_is_no_take_over(run_store: RunStore) -> None:
    run = make_run(status=RunStatus.RUNNING)
    await run_store.add(run, [])
    await run_store.claim_run("w1", run.id, NOW_MS, 1000)
    leases = await run_store.reclaim("w1", NOW_MS + 2000, 1000)
    assert [(lease.run_id, lease.taken_over) for lease in leases] == [(run.id, False)]
