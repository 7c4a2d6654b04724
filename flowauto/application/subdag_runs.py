"""`@control/flow/subdag`: another DAG runs as a child run; its parent step waits for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowauto.domain.dag import Dag
from flowauto.domain.ids import IdGenerator
from flowauto.domain.run import (
    Run,
    RunStatus,
    RunTrigger,
    TaskInstance,
    TaskStatus,
    run_status_event,
)
from flowauto.domain.step_failure import StepFailure
from flowauto.ports.clock import Clock
from flowauto.ports.dag_repository import DagRepository
from flowauto.ports.run_repository import RunRepository

MAX_DEPTH = 8
Outcome = tuple[TaskStatus, Mapping[str, Any], str]


class SubdagRuns:
    def __init__(
        self, *, runs: RunRepository, dags: DagRepository, ids: IdGenerator, clock: Clock
    ) -> None:
        self._runs = runs
        self._dags = dags
        self._ids = ids
        self._clock = clock

    async def start(self, parent: Run, task: TaskInstance, parameters: Mapping[str, Any]) -> str:
        """Stores the child run (once per task attempt, however often this is replayed)."""
        dag_id = str(parameters.get("dag_id") or "")
        await self._check_no_cycle(parent, dag_id)
        dag = await self._dags.get(parent.biz_domain_id, dag_id)
        if dag is None:
            raise StepFailure(f"sub-DAG {dag_id!r} does not exist")
        version_id, version = await self._version(dag, parameters.get("version"))
        inputs = parameters.get("inputs") or {}
        if not isinstance(inputs, Mapping):
            raise StepFailure("sub-DAG inputs must be an object")
        child = Run(
            id=self._ids.next_id(), dag_id=dag.id, version_id=version_id, version=version,
            name=dag.title, trigger=RunTrigger.SUBDAG, vars=_defaults(dag),
            inputs={"data": dict(inputs), "fields": dict(inputs), "parent_run_id": parent.id},
            userid=parent.userid, biz_domain_id=parent.biz_domain_id,
            created_at=self._clock.now(), parent_run_id=parent.id, parent_task_id=task.id,
            debug=parent.debug, event_seq=1,
        )  # fmt: skip
        opened = [run_status_event(child, 1, self._clock.now_ms())]
        # Keyed by the parent step, not the task id: a replay after a crash finds this child.
        key = f"subdag/{parent.id}/{task.key}/{task.attempt}"
        return await self._runs.add(child, opened, key)

    async def outcome(self, child_id: str) -> Outcome | None:
        """How the child ended, as its parent step's outcome; None while it runs."""
        child = await self._runs.get(child_id)
        if child is None:
            return TaskStatus.FAILED, {}, f"sub-DAG run {child_id} is gone"
        if not child.terminal:
            return None
        return await self.outcome_of(child)

    async def outcome_of(self, child: Run) -> Outcome:
        tasks = [t for t in await self._runs.tasks(child.id) if "@" not in t.key]
        last = next((t for t in reversed(tasks) if t.status is TaskStatus.SUCCESS), None)
        outputs = {"run_id": child.id, "status": child.status.value,
                   "outputs": dict(last.outputs) if last else {}}  # fmt: skip
        if child.status is RunStatus.SUCCESS:
            return TaskStatus.SUCCESS, outputs, ""
        return (
            TaskStatus.FAILED,
            outputs,
            f"sub-DAG run {child.id} {child.status.value}: {child.reason}",
        )

    async def _check_no_cycle(self, parent: Run, dag_id: str) -> None:
        seen, run, depth = {parent.dag_id}, parent, 1
        while run.parent_run_id:
            found = await self._runs.get(run.parent_run_id)
            if found is None:
                break
            run, depth = found, depth + 1
            seen.add(run.dag_id)
        if dag_id in seen:
            raise StepFailure(f"sub-DAG {dag_id} is already running above this step (a cycle)")
        if depth >= MAX_DEPTH:
            raise StepFailure(f"sub-DAGs nest deeper than {MAX_DEPTH}")

    async def _version(self, dag: Dag, wanted: object) -> tuple[str, str]:
        if not wanted or wanted in (dag.version_id, dag.version):
            return dag.version_id, dag.version
        for version in await self._dags.list_versions(dag.biz_domain_id, dag.id):
            if wanted in (version.version_id, version.version):
                return version.version_id, version.version
        raise StepFailure(f"sub-DAG {dag.id} has no version {wanted!r}")


def _defaults(dag: Dag) -> dict[str, Any]:
    return {name: var.default_value for name, var in dag.vars.items()}
