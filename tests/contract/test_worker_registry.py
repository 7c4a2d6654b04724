"""The WorkerRegistry contract, the same for the fake and every SQL store."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from flowauto.domain.worker import WorkerBeat
from flowauto.driven_adapters.in_memory.worker_registry import InMemoryWorkerRegistry
from flowauto.driven_adapters.sql.worker_registry import SqlWorkerRegistry
from flowauto.ports.worker_registry import WorkerRegistry
from tests.contract.conftest import SQL_STORE_BACKENDS, sql_store_backend

NOW_MS = 1_800_000_000_000
TTL_MS = 6_000


@pytest.fixture(params=SQL_STORE_BACKENDS)
def registry(request: pytest.FixtureRequest) -> WorkerRegistry:
    return sql_store_backend(request, InMemoryWorkerRegistry, SqlWorkerRegistry)


def beat(**overrides: Any) -> WorkerBeat:
    fields: dict[str, Any] = {
        "id": "pod-a",
        "host": "pod-a.cluster.local",
        "roles": ("api", "scheduler", "worker"),
        "started_at_ms": NOW_MS - 60_000,
        "last_beat_ms": NOW_MS,
        "held_runs": 3,
    }
    return WorkerBeat(**(fields | overrides))


async def test_a_beat_reads_back_as_stored(registry: WorkerRegistry) -> None:
    stored = beat()
    await registry.beat(stored)
    assert await registry.live(NOW_MS, TTL_MS) == [stored]


async def test_a_later_beat_replaces_the_earlier_one(registry: WorkerRegistry) -> None:
    await registry.beat(beat())
    later = beat(last_beat_ms=NOW_MS + 2_000, held_runs=0, roles=("worker",))
    await registry.beat(later)
    assert await registry.live(NOW_MS + 2_000, TTL_MS) == [later]


async def test_only_workers_that_beat_within_the_ttl_are_live(registry: WorkerRegistry) -> None:
    await registry.beat(beat(id="pod-c", last_beat_ms=NOW_MS - TTL_MS))
    await registry.beat(beat(id="pod-b", last_beat_ms=NOW_MS - TTL_MS - 1))
    await registry.beat(beat(id="pod-a", roles=()))
    assert [live.id for live in await registry.live(NOW_MS, TTL_MS)] == ["pod-a", "pod-c"]
    assert (await registry.live(NOW_MS, TTL_MS))[0].roles == ()


async def test_a_forgotten_worker_is_gone(registry: WorkerRegistry) -> None:
    await registry.beat(beat(id="pod-a"))
    await registry.beat(beat(id="pod-b"))
    await registry.forget("pod-a")
    await registry.forget("never-seen")
    assert [live.id for live in await registry.live(NOW_MS, TTL_MS)] == ["pod-b"]


async def test_a_forgotten_worker_beating_again_is_back(registry: WorkerRegistry) -> None:
    await registry.beat(beat())
    await registry.forget("pod-a")
    again = dataclasses.replace(beat(), started_at_ms=NOW_MS)
    await registry.beat(again)
    assert await registry.live(NOW_MS, TTL_MS) == [again]
