"""The operator use cases, on in-memory ports."""

from __future__ import annotations

from flowauto.application.admin_service import NO_WORKER_ROLE, AdminService, Recovery
from flowauto.domain.run import Run, RunStatus, RunTrigger
from flowauto.domain.worker import WorkerBeat
from flowauto.driven_adapters.in_memory.run_repository import InMemoryRunRepository
from flowauto.driven_adapters.in_memory.worker_registry import InMemoryWorkerRegistry
from tests.builders import next_id

NOW_MS = 1_800_000_000_000
INTERVAL_MS = 2_000


class SetClock:
    def __init__(self, now_ms: int) -> None:
        self.ms = now_ms

    def now(self) -> int:
        return self.ms // 1000

    def now_ms(self) -> int:
        return self.ms


class CountingSweeper:
    def __init__(self, claims: int) -> None:
        self.claims = claims
        self.sweeps = 0

    @property
    def worker(self) -> str:
        return "pod-a"

    async def sweep(self) -> int:
        self.sweeps += 1
        return self.claims


def admin(
    registry: InMemoryWorkerRegistry | None = None,
    runs: InMemoryRunRepository | None = None,
    engine: CountingSweeper | None = None,
) -> AdminService:
    return AdminService(
        registry=registry or InMemoryWorkerRegistry(), runs=runs or InMemoryRunRepository(),
        clock=SetClock(NOW_MS), engine=engine, beat_interval_ms=INTERVAL_MS,
    )  # fmt: skip


def beat(worker_id: str, last_beat_ms: int) -> WorkerBeat:
    return WorkerBeat(
        id=worker_id, host="h", roles=("worker",), started_at_ms=0, last_beat_ms=last_beat_ms
    )


def run(status: RunStatus, created_at: int) -> Run:
    return Run(
        id=next_id(), dag_id="d1", version_id="v1", version="v1.0.0", name="n",
        trigger=RunTrigger.MANUAL, userid="u1", biz_domain_id="default",
        created_at=created_at, status=status,
    )  # fmt: skip


async def test_workers_are_live_for_three_beat_intervals() -> None:
    registry = InMemoryWorkerRegistry()
    await registry.beat(beat("late", NOW_MS - 3 * INTERVAL_MS))
    await registry.beat(beat("gone", NOW_MS - 3 * INTERVAL_MS - 1))
    await registry.beat(beat("fresh", NOW_MS))
    assert [worker.id for worker in await admin(registry).workers()] == ["fresh", "late"]


async def test_stats_give_the_age_of_the_oldest_waiting_run() -> None:
    runs = InMemoryRunRepository()
    created_s = NOW_MS // 1000 - 90
    await runs.add(run(RunStatus.SCHEDULED, created_s), [])
    await runs.add(run(RunStatus.SCHEDULED, created_s + 30), [])
    await runs.add(run(RunStatus.SUCCESS, created_s - 1000), [])
    stats = await admin(runs=runs).stats()
    assert stats.runs.by_status == {"scheduled": 2, "success": 1}
    assert stats.runs.queue_depth == 2
    assert stats.oldest_pending_age_ms == 90_000


async def test_recover_sweeps_the_local_engine() -> None:
    engine = CountingSweeper(claims=3)
    assert await admin(engine=engine).recover() == Recovery(claimed=3, worker="pod-a", swept=True)
    assert engine.sweeps == 1


async def test_recover_without_an_engine_claims_nothing_and_says_why() -> None:
    recovery = await admin().recover()
    assert recovery == Recovery(claimed=0, worker=None, swept=False, message=NO_WORKER_ROLE)
