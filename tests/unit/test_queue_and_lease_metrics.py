"""The queue depth gauge follows the store; a claim of an expired lease counts as expiry."""

from __future__ import annotations

import asyncio

from flowauto.application.queue_sampler import QueueDepthSampler
from flowauto.application.services import Services
from flowauto.bootstrap import build_in_memory
from flowauto.domain.run import RunStatus
from flowauto.driven_adapters.in_memory.run_repository import InMemoryRunRepository
from flowauto.driven_adapters.system_clock import SystemClock
from flowauto.driven_adapters.telemetry.prometheus_metrics import PrometheusMetrics
from flowauto.ports.run_lease import InitialLease
from tests.contract.test_run_store import make_run


def scraped(metrics: PrometheusMetrics, name: str) -> float:
    for line in metrics.exposition()[0].decode().splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not exported")


async def test_the_queue_depth_gauge_counts_runs_waiting_for_a_worker() -> None:
    runs, metrics = InMemoryRunRepository(), PrometheusMetrics()
    sampler = QueueDepthSampler(runs=runs, metrics=metrics, clock=SystemClock())
    for _ in range(3):
        await runs.add(make_run(status=RunStatus.SCHEDULED), [])
    await sampler.sample()
    assert scraped(metrics, "flowauto_queue_depth") == 3.0


async def test_taking_over_an_expired_lease_is_counted() -> None:
    services = build_in_memory()
    engine = services.engine
    assert engine is not None
    clock = SystemClock()
    gone = InitialLease(owner="dead-worker", until_ms=clock.now_ms() - 1)
    runs = services.runs._runs
    await runs.add(make_run(status=RunStatus.RUNNING), [], lease=gone)
    await engine.start()
    try:
        for _ in range(100):
            if scraped_total(services) >= 1:
                break
            await asyncio.sleep(0.05)
    finally:
        await engine.stop(0)
    assert scraped_total(services) == 1.0


def scraped_total(services: Services) -> float:
    metrics = services.telemetry.metrics
    assert isinstance(metrics, PrometheusMetrics)
    return scraped(metrics, "flowauto_lease_expiries_total")
