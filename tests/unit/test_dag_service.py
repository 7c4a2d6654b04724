"""DAG use cases through `build_in_memory()`."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from flowauto.application.dag_commands import DagDraft, DagPatch
from flowauto.application.dag_service import DagService
from flowauto.bootstrap import build_in_memory
from flowauto.domain.dag import Dag, Step
from flowauto.domain.errors import ConflictError, DagNotFoundError
from flowauto.domain.identity import Identity
from flowauto.domain.ids import IdGenerator
from flowauto.domain.operator_catalog import OperatorCatalog
from flowauto.driven_adapters.in_memory.dag_repository import InMemoryDagRepository
from flowauto.driven_adapters.system_clock import SystemClock

ADMIN = Identity(user_id="admin", roles=frozenset({"admin"}))
STEPS = (Step(id="1", operator="@trigger/manual"), Step(id="2", operator="@internal/time/now"))


def draft(**overrides: object) -> DagDraft:
    return dataclasses.replace(DagDraft(title="A DAG", steps=STEPS), **overrides)  # type: ignore[arg-type]


class SlowReadRepository(InMemoryDagRepository):
    """Reads take a moment, so two updates both read revision 1 before either writes."""

    async def get(self, biz_domain_id: str, dag_id: str) -> Dag | None:
        found = await super().get(biz_domain_id, dag_id)
        await asyncio.sleep(0.01)
        return found


async def test_concurrent_updates_of_one_revision_let_exactly_one_win() -> None:
    clock = SystemClock()
    dags = DagService(
        repository=SlowReadRepository(),
        catalog=OperatorCatalog.built_in(),
        ids=IdGenerator(0, clock.now_ms),
        clock=clock,
    )
    dag = await dags.create(ADMIN, draft())

    results = await asyncio.gather(
        dags.update(ADMIN, dag.id, DagPatch(description="one")),
        dags.update(ADMIN, dag.id, DagPatch(description="two")),
        return_exceptions=True,
    )

    assert sum(isinstance(r, ConflictError) for r in results) == 1
    assert (await dags.get(ADMIN, dag.id)).dag.revision == 2


async def test_a_deleted_dag_is_gone_for_reads_and_writes() -> None:
    dags = build_in_memory().dags
    dag = await dags.create(ADMIN, draft())
    await dags.delete_one(ADMIN, dag.id)

    with pytest.raises(DagNotFoundError):
        await dags.get(ADMIN, dag.id)
    with pytest.raises(DagNotFoundError):
        await dags.update(ADMIN, dag.id, DagPatch(title="back"))


async def test_the_same_steps_make_no_new_version() -> None:
    dags = build_in_memory().dags
    dag = await dags.create(ADMIN, draft())

    updated = await dags.update(ADMIN, dag.id, DagPatch(steps=STEPS))

    assert updated.version_id == dag.version_id
    assert len(await dags.list_versions(ADMIN, dag.id)) == 1


async def test_an_explicit_version_makes_a_new_version_even_without_step_changes() -> None:
    dags = build_in_memory().dags
    dag = await dags.create(ADMIN, draft())

    updated = await dags.update(ADMIN, dag.id, DagPatch(version="v1.1.0", change_log="release"))

    assert updated.version == "v1.1.0"
    versions = await dags.list_versions(ADMIN, dag.id)
    assert [(v.version, v.change_log) for v in versions] == [("v1.1.0", "release"), ("v1.0.0", "")]
