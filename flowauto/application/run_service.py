"""Starting runs and reading them: the run use cases of SPEC section 4."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flowauto.application.dag_commands import DagDraft
from flowauto.application.run_engine import RunEngine
from flowauto.application.run_steps import RunSteps
from flowauto.application.telemetry import Telemetry
from flowauto.domain.dag import Dag, DagStatus, Step, walk_steps
from flowauto.domain.errors import (
    ConflictError,
    DagNotFoundError,
    FieldInvalidError,
    RunNotFoundError,
)
from flowauto.domain.form import check_form
from flowauto.domain.identity import Identity, can_read
from flowauto.domain.ids import IdGenerator
from flowauto.domain.paging import Page, RunQuery
from flowauto.domain.run import (
    TERMINAL_RUN,
    Run,
    RunEvent,
    RunEventType,
    RunStatus,
    RunTrigger,
    TaskInstance,
    run_status_event,
)
from flowauto.ports.clock import Clock
from flowauto.ports.dag_repository import DagRepository
from flowauto.ports.run_repository import RunRepository

FORM = "@trigger/form"
_ENDED = frozenset(status.value for status in TERMINAL_RUN)
_TRIGGER_OF_OPERATOR = {FORM: RunTrigger.FORM, "@trigger/manual": RunTrigger.MANUAL}


class DagChecker(Protocol):
    async def check(self, caller: Identity, draft: DagDraft) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRequest:
    data: Mapping[str, Any] = field(default_factory=dict)
    vars: Mapping[str, Any] = field(default_factory=dict)
    idempotency_key: str = ""


class RunService:
    def __init__(
        self, *, runs: RunRepository, dags: DagRepository, steps: RunSteps,
        engine: RunEngine | None, ids: IdGenerator, clock: Clock, dag_checker: DagChecker,
        telemetry: Telemetry,
    ) -> None:  # fmt: skip
        self._dag_checker = dag_checker
        self._telemetry = telemetry
        self._runs = runs
        self._dags = dags
        self._steps = steps
        self._engine = engine
        self._ids = ids
        self._clock = clock

    async def start(self, caller: Identity, dag_id: str, request: RunRequest) -> str:
        """Starts a run of the DAG's latest version; returns its id (the earlier run's id when
        the idempotency key was used in the last 24 hours)."""
        dag = await self._readable_dag(caller, dag_id)
        if dag.status is DagStatus.STOPPED:
            raise ConflictError(f"DAG {dag_id} is stopped", detail={"id": dag_id})
        inputs = _trigger_inputs(dag.steps[0], caller, request.data)
        run = self._new_run(dag, caller, inputs, request.vars)
        key = f"{caller.biz_domain}/{caller.user_id}/{dag_id}/{request.idempotency_key}"
        return await self._launch(run, dag, key if request.idempotency_key else "")

    async def start_triggered(
        self, dag: Dag, trigger: RunTrigger, inputs: Mapping[str, Any], key: str,
        traceparent: str = "",
    ) -> str:  # fmt: skip
        """Starts a run for an automatic trigger (cron tick, event, webhook) as the DAG's owner.
        `key` names the cause (`cron/<dag>/<tick ms>`); under its unique index a cause starts
        one run however many replicas see it. Returns that run's id. `traceparent`: the trace
        of the cause (a Kafka message's header), else the current one."""
        run = self._new_run(dag, _owner_of(dag), inputs, {})
        run = dataclasses.replace(run, trigger=trigger, traceparent=traceparent or run.traceparent)
        run_id = await self._launch(run, dag, key)
        if run_id == run.id:
            self._telemetry.metrics.trigger_fired(trigger.value)
        return run_id

    async def _launch(self, run: Run, dag: Dag, key: str) -> str:
        """Stores the run, leased to the local worker when there is one, and drives it."""
        opened = [run_status_event(run, 1, self._clock.now_ms())]
        lease = self._engine.initial_lease() if self._engine is not None else None
        run_id = await self._runs.add(run, opened, key, lease)
        if run_id == run.id:
            self._telemetry.run_started(run)
        if run_id == run.id and self._engine is not None:
            self._steps.remember(dag.version_id, dag.steps)
            if lease is not None:
                self._engine.adopt(run)
            else:
                await self._engine.kick(run_id)
        return run_id

    async def dags_with_trigger(self, prefix: str) -> list[Dag]:
        """Live, normal DAGs of every business domain whose trigger starts with `prefix`."""
        return await self._dags.with_trigger_prefix(prefix)

    async def last_scheduled_ms(self, dag: Dag) -> int | None:
        """The tick of the DAG's latest cron run, if it has one."""
        query = RunQuery(biz_domain_id=dag.biz_domain_id, dag_id=dag.id, limit=20)
        for run in (await self._runs.find(query)).items:
            tick = run.inputs.get("scheduled_ms")
            if run.trigger is RunTrigger.CRON and isinstance(tick, int):
                return tick
        return None

    async def start_debug(self, caller: Identity, draft: DagDraft, request: RunRequest) -> str:
        """Runs an unsaved DAG as a debug run (left out of lists and counts by default)."""
        await self._dag_checker.check(caller, draft)
        inputs = _trigger_inputs(draft.steps[0], caller, request.data)
        defaults = {name: var.default_value for name, var in (draft.vars or {}).items()}
        run = Run(
            id=self._ids.next_id(), dag_id="", version_id="", version="", name=draft.title,
            trigger=RunTrigger.DEBUG, vars={**defaults, **request.vars}, inputs=inputs,
            userid=caller.user_id, biz_domain_id=caller.biz_domain,
            created_at=self._clock.now(), debug=True, debug_steps=draft.steps, event_seq=1,
        )  # fmt: skip
        await self._runs.add(run, [run_status_event(run, 1, self._clock.now_ms())])
        await self._kick(run.id)
        return run.id

    async def rerun(self, caller: Identity, run_id: str, from_step: str, latest: bool) -> str:
        """A new run that starts at `from_step`, copying the outputs of the steps before it."""
        original = await self.get(caller, run_id)
        dag = await self._readable_dag(caller, original.dag_id)
        version_id, version, steps = dag.version_id, dag.version, dag.steps
        if not latest:
            steps = await self._steps.of(original)
            version_id, version = original.version_id, original.version
        order = [step.id for step in walk_steps(steps)]
        if from_step not in order[1:]:
            raise FieldInvalidError("from_step", f"step {from_step!r} is not an action of the DAG")
        before = set(order[: order.index(from_step)])
        run = dataclasses.replace(
            self._new_run(dag, caller, original.inputs, original.vars),
            version_id=version_id, version=version, trigger=RunTrigger.RETRY,
        )  # fmt: skip
        copied = [_copy(task, run.id, self._ids.next_id()) for task in
                  await self._runs.tasks(run_id) if task.step_id in before]  # fmt: skip
        await self._runs.add(run, [run_status_event(run, 1, self._clock.now_ms())])
        if copied:
            await self._runs.save(run, copied, [], expected_seq=run.event_seq)
        await self._kick(run.id)
        return run.id

    async def get(self, caller: Identity, run_id: str) -> Run:
        run = await self._runs.get(run_id)
        if run is None or run.biz_domain_id != caller.biz_domain:
            raise RunNotFoundError(run_id)
        return run

    async def find(self, caller: Identity, query: RunQuery) -> Page[Run]:
        if query.dag_id is not None:
            await self._readable_dag(caller, query.dag_id)
        return await self._runs.find(dataclasses.replace(query, biz_domain_id=caller.biz_domain))

    async def tasks(
        self, caller: Identity, run_id: str, statuses: tuple[str, ...]
    ) -> list[TaskInstance]:
        await self.get(caller, run_id)
        tasks = await self._runs.tasks(run_id)
        return [task for task in tasks if not statuses or task.status.value in statuses]

    async def counts(self, caller: Identity, dag_id: str) -> dict[str, int]:
        await self._readable_dag(caller, dag_id)
        return await self._runs.count_by_status(caller.biz_domain, dag_id)

    async def events_after(self, caller: Identity, run_id: str, seq: int) -> list[RunEvent]:
        await self.get(caller, run_id)
        return await self._runs.events_after(run_id, seq, 500)

    async def follow(
        self, caller: Identity, run_id: str, after_seq: int, poll_s: float = 0.2
    ) -> AsyncIterator[RunEvent]:
        """The run's events after `after_seq`, as they happen, ending after the terminal run
        event (or at once when the run already ended and everything was seen)."""
        await self.get(caller, run_id)
        while True:
            events = await self._runs.events_after(run_id, after_seq, 500)
            for event in events:
                yield event
                after_seq = event.seq
                if event.type is RunEventType.RUN_STATUS and event.data["status"] in _ENDED:
                    return
            if not events:
                run = await self._runs.get(run_id)
                if run is None or (run.terminal and run.event_seq <= after_seq):
                    return
                await asyncio.sleep(poll_s)

    async def _readable_dag(self, caller: Identity, dag_id: str) -> Dag:
        dag = await self._dags.get(caller.biz_domain, dag_id)
        if dag is None or not can_read(caller, dag):
            raise DagNotFoundError(dag_id)
        return dag

    def _new_run(
        self, dag: Dag, caller: Identity, inputs: Mapping[str, Any], run_vars: Mapping[str, Any]
    ) -> Run:
        defaults = {name: var.default_value for name, var in dag.vars.items()}
        return Run(
            id=self._ids.next_id(),
            dag_id=dag.id,
            version_id=dag.version_id,
            version=dag.version,
            name=dag.title,
            trigger=_TRIGGER_OF_OPERATOR.get(dag.trigger, RunTrigger.MANUAL),
            status=RunStatus.SCHEDULED,
            vars={**defaults, **run_vars},
            inputs=inputs,
            userid=caller.user_id,
            biz_domain_id=caller.biz_domain,
            created_at=self._clock.now(),
            event_seq=1,
            traceparent=self._telemetry.tracer.current_traceparent(),
        )

    async def _kick(self, run_id: str) -> None:
        if self._engine is not None:
            await self._engine.kick(run_id)


def _trigger_inputs(trigger: Step, caller: Identity, data: Mapping[str, Any]) -> dict[str, Any]:
    accessor = {"id": caller.user_id, "name": caller.name, "type": "user"}
    if trigger.operator != FORM:
        return {"accessor": accessor, "data": dict(data)}
    fields = trigger.parameters.get("fields") or []
    return {"fields": check_form(fields, data), "accessor": accessor}


def _owner_of(dag: Dag) -> Identity:
    return Identity(user_id=dag.userid, biz_domain=dag.biz_domain_id)


def _copy(task: TaskInstance, run_id: str, task_id: str) -> TaskInstance:
    return dataclasses.replace(task, id=task_id, run_id=run_id)
