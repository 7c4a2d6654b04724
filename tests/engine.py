"""Helpers for engine tests: DAGs from JSON steps, waiting for a run to settle."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from flowauto.application.dag_commands import DagDraft
from flowauto.application.services import Services
from flowauto.domain.dag import Dag, VarDef
from flowauto.domain.dag_document import parse_steps
from flowauto.domain.identity import Identity
from flowauto.domain.run import Run, RunStatus

_titles = itertools.count(1)
ADMIN = Identity(user_id="admin", name="Admin", roles=frozenset({"admin"}))


def step(step_id: str, operator: str, **parameters: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "title": f"step {step_id}",
        "operator": operator,
        "parameters": parameters,
    }


def manual() -> dict[str, Any]:
    return step("1", "@trigger/manual")


async def create_dag(
    services: Services, *steps: dict[str, Any], title: str = "", variables: tuple[str, ...] = ()
) -> Dag:
    draft = DagDraft(
        title=title or f"engine test {next(_titles)}",
        steps=parse_steps(list(steps)),
        vars={name: VarDef() for name in variables},
    )
    return await services.dags.create(ADMIN, draft)


async def settled(
    services: Services, run_id: str, *statuses: RunStatus, timeout_s: float = 10
) -> Run:
    """Waits until the run is in one of `statuses` (default: any terminal one)."""
    wanted = set(statuses) or {RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.CANCELED}
    async with asyncio.timeout(timeout_s):
        while True:
            run = await services.runs.get(ADMIN, run_id)
            if run.status in wanted:
                return run
            await asyncio.sleep(0.005)
