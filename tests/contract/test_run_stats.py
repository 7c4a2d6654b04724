"""The run store's statistics (`GET /admin/stats`), on the fake and every real store."""

from __future__ import annotations

from flowauto.domain.run import RunStatus
from flowauto.domain.run_stats import RunStats
from flowauto.ports.run_lease import InitialLease
from tests.contract.conftest import RunStore
from tests.contract.test_run_store import NOW_MS, make_run

CREATED = 1_700_000_000


async def test_an_empty_store_has_nothing_waiting(run_store: RunStore) -> None:
    assert await run_store.stats(NOW_MS) == RunStats(by_status={}, queue_depth=0)


async def test_stats_count_every_domain_and_the_runs_a_worker_could_claim(
    run_store: RunStore,
) -> None:
    held = InitialLease(owner="w1", until_ms=NOW_MS + 10_000)
    expired = InitialLease(owner="w1", until_ms=NOW_MS - 1)
    waiting = [
        (make_run(status=RunStatus.SCHEDULED, created_at=CREATED + 30), None),
        (make_run(status=RunStatus.RUNNING, created_at=CREATED + 20), expired),
        (make_run(status=RunStatus.BLOCKED, wake_at_ms=NOW_MS, created_at=CREATED + 40), None),
        (make_run(status=RunStatus.SCHEDULED, created_at=CREATED + 50, biz_domain_id="b"), None),
    ]
    not_waiting = [
        (make_run(status=RunStatus.RUNNING, created_at=CREATED), held),
        (make_run(status=RunStatus.SCHEDULED, created_at=CREATED + 1), held),
        (make_run(status=RunStatus.BLOCKED, wake_at_ms=NOW_MS + 1, created_at=CREATED + 2), None),
        (make_run(status=RunStatus.BLOCKED, created_at=CREATED + 3), None),
        (make_run(status=RunStatus.PAUSED, created_at=CREATED + 4), None),
        (make_run(status=RunStatus.SUCCESS, created_at=CREATED + 5), None),
        (make_run(status=RunStatus.FAILED, created_at=CREATED + 6, debug=True), None),
    ]
    for run, lease in waiting + not_waiting:
        await run_store.add(run, [], lease=lease)

    stats = await run_store.stats(NOW_MS)

    assert stats.by_status == {
        "scheduled": 3, "running": 2, "blocked": 3, "paused": 1, "success": 1, "failed": 1,
    }  # fmt: skip
    assert stats.queue_depth == 4
    assert stats.oldest_pending_ms == (CREATED + 20) * 1000


async def test_claimed_runs_leave_the_queue(run_store: RunStore) -> None:
    for offset in range(3):
        await run_store.add(make_run(status=RunStatus.SCHEDULED, created_at=CREATED + offset), [])
    await run_store.claim("w1", NOW_MS, 10_000, 2)

    stats = await run_store.stats(NOW_MS)

    assert stats.queue_depth == 1
    assert stats.oldest_pending_ms == (CREATED + 2) * 1000
    later = await run_store.stats(NOW_MS + 10_001)
    assert later.queue_depth == 3
    assert later.oldest_pending_ms == CREATED * 1000


def test_the_age_of_the_oldest_waiting_run() -> None:
    assert RunStats(oldest_pending_ms=1_000).oldest_pending_age_ms(3_500) == 2_500
    assert RunStats(oldest_pending_ms=4_000).oldest_pending_age_ms(3_500) == 0
    assert RunStats().oldest_pending_age_ms(3_500) is None
