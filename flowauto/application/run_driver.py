"""Drives one run: interprets its pinned step tree, replaying what the store already knows.

The driver is re-entrant by design: after a crash, a pause, a timer or an approval, a worker
drives the run again from the top; steps whose task instance finished are replayed from their
stored outputs, so only steps that were in flight run again. Side-effect-free steps are
buffered and written with the next write; a step with effects is written `running` before it
starts, so a crash never hides that it may have happened.
"""

from __future__ import annotations

import asyncio
import enum
import random
from collections import ChainMap
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flowauto.application.run_journal import RunJournal
from flowauto.application.step_action import ASSIGN, Blocked, StepActions, TaskRef
from flowauto.application.subdag_runs import SubdagRuns
from flowauto.application.telemetry import Telemetry
from flowauto.domain.combo import COMBO_PREFIX, combo_key
from flowauto.domain.comparison import holds
from flowauto.domain.dag import (
    Branch,
    Comparison,
    DataSource,
    OnError,
    RetryPolicy,
    Step,
    walk_steps,
)
from flowauto.domain.log_fields import logged
from flowauto.domain.redaction import redact
from flowauto.domain.reference import ReferenceKind, find_references
from flowauto.domain.resolution import Scope, resolve
from flowauto.domain.retry_policy import retry_delay_ms
from flowauto.domain.run import RunStatus, TaskInstance, TaskStatus
from flowauto.domain.step_failure import StepFailure
from flowauto.ports.clock import Clock

BRANCHES = "@control/flow/branches"
LOOP = "@control/flow/loop"
PARALLEL = "@control/flow/parallel"
SUBDAG = "@control/flow/subdag"
Outputs = MutableMapping[str, Mapping[str, Any]]
SecretSource = Callable[[str, str, str], Awaitable[str]]
"""(business domain, connection name, key) -> the secret in clear."""


class Outcome(enum.Enum):
    DONE = "done"
    FAILED = "failed"
    BLOCKED = "blocked"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    outputs: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DriverTools:
    actions: StepActions
    subdags: SubdagRuns
    clock: Clock
    new_id: Callable[[], str]
    worker: str
    telemetry: Telemetry
    jitter: Callable[[], float] = random.random
    secrets: SecretSource | None = None
    combos: Callable[[str, str], Awaitable[str | None]] | None = None
    """(business domain, combo key) -> the DAG the combo runs."""
    max_batch_items: int = 10_000


class RunDriver:
    def __init__(
        self, journal: RunJournal, steps: Sequence[Step], tasks: Sequence[TaskInstance],
        tools: DriverTools,
    ) -> None:  # fmt: skip
        self.journal = journal
        self._steps = steps
        self._tasks = {task.key: task for task in tasks}
        self._tools = tools
        self._vars: dict[str, Any] = dict(journal.run.vars)
        self._secret_values: set[str] = set()
        self._wakes: list[int] = []

    async def drive(self) -> Result:
        """Runs the tree as far as it goes; returns DONE, FAILED, BLOCKED or STOPPED (paused)."""
        run = self.journal.run
        trigger = self._steps[0]
        outputs: Outputs = ChainMap({trigger.id: dict(run.inputs)})
        if trigger.id not in self._tasks:
            self._record(self._task(trigger, trigger.id, TaskStatus.SUCCESS, outputs=run.inputs))
        scope = Scope(outputs=outputs, vars=self._vars, run_id=run.id, dag_id=run.dag_id)
        if trigger.data_source is not None:
            return await self._batch(trigger.data_source, scope)
        return await self._sequence(self._steps[1:], scope, "")

    async def _batch(self, source: DataSource, scope: Scope) -> Result:
        """A trigger's data source yields a list; the rest of the DAG runs once per item, as
        a loop (`{{__loop.item}}`) inside this one run."""
        fetch = Step(id=source.id, operator=source.operator, parameters=source.parameters)
        fetched = await self._action(fetch, source.id, scope)
        if fetched.outcome is not Outcome.DONE:
            return fetched
        _outputs_of(scope)[source.id] = fetched.outputs
        items = next((v for v in fetched.outputs.values() if isinstance(v, list)), None)
        if items is None:
            return Result(Outcome.FAILED, reason=f"data source {source.id} yielded no list")
        if len(items) > self._tools.max_batch_items:
            return Result(
                Outcome.FAILED,
                reason=f"data source {source.id} yielded {len(items)} items; "
                f"the limit is {self._tools.max_batch_items}",
            )
        loop = Step(id=f"{source.id}#batch", operator=LOOP, parameters={"items": items},
                    steps=tuple(self._steps[1:]))  # fmt: skip
        return await self._step(loop, scope, "")

    @property
    def vars(self) -> Mapping[str, Any]:
        return self._vars

    @property
    def wake_at_ms(self) -> int | None:
        return min(self._wakes) if self._wakes else None

    async def _sequence(self, steps: Sequence[Step], scope: Scope, suffix: str) -> Result:
        last = Result(Outcome.DONE)
        for step in steps:
            if self.journal.run.status is RunStatus.PAUSED:
                return Result(Outcome.STOPPED)
            result = await self._step(step, scope, suffix)
            if result.outcome is Outcome.FAILED and step.on_error is OnError.CONTINUE:
                result = Result(Outcome.DONE, reason=result.reason)
            if result.outcome is not Outcome.DONE:
                return result
            _outputs_of(scope)[step.id] = result.outputs
            last = result
        return last

    async def _step(self, step: Step, scope: Scope, suffix: str) -> Result:
        key = step.id + suffix
        if step.operator == BRANCHES:
            return await self._container(step, key, self._branches(step, scope, suffix))
        if step.operator == LOOP:
            return await self._container(step, key, self._loop(step, scope, suffix))
        if step.operator == PARALLEL:
            return await self._container(step, key, self._parallel(step, scope, suffix))
        if step.operator == SUBDAG:
            return await self._subdag(step, key, scope)
        if step.operator.startswith(COMBO_PREFIX):
            return await self._combo(step, key, scope)
        return await self._action(step, key, scope)

    async def _combo(self, step: Step, key: str, scope: Scope) -> Result:
        """A combo operator runs its DAG as a child run with the step's parameters as inputs."""
        name = combo_key(step.operator) or ""
        lookup = self._tools.combos
        dag_id = await lookup(self.journal.run.biz_domain_id, name) if lookup else None
        if dag_id is None:
            known = self._tasks.get(key)
            return self._fail(step, key, known, {}, f"{step.operator} is not registered")
        inputs = {"dag_id": dag_id, "inputs": dict(step.parameters)}
        return await self._subdag(replace(step, parameters=inputs), key, scope)

    async def _subdag(self, step: Step, key: str, scope: Scope) -> Result:
        """The child run is stored with the task still blocked-to-be; the task ends when the
        child ends (the engine finishes it then, or a replay here sees the child ended)."""
        known = self._tasks.get(key)
        if known is not None and known.status is TaskStatus.BLOCKED:
            outcome = await self._tools.subdags.outcome(str(known.outputs.get("child_run_id")))
            if outcome is None:
                return Result(Outcome.BLOCKED)
            status, outputs, reason = outcome
            self._record(self._finished(known, status, outputs, reason))
            if status is TaskStatus.SUCCESS:
                return Result(Outcome.DONE, outputs)
            return Result(Outcome.FAILED, outputs, f"step {step.id}: {reason}")
        replayed = self._replay(step, known)
        if replayed is not None:
            return replayed
        try:
            parameters = resolve(step.parameters, scope)
            task = self._task(step, key, TaskStatus.BLOCKED, inputs=parameters)
            child_id = await self._tools.subdags.start(self.journal.run, task, parameters)
        except StepFailure as failure:
            return self._fail(step, key, known, step.parameters, failure.reason)
        self._record(replace(task, outputs={"child_run_id": child_id}))
        return Result(Outcome.BLOCKED)

    async def _container(self, step: Step, key: str, body: Any) -> Result:
        result: Result = await body
        status = {
            Outcome.DONE: TaskStatus.SUCCESS,
            Outcome.FAILED: TaskStatus.FAILED,
        }.get(result.outcome)
        if status is not None and self._changed(key, status, result.outputs):
            self._record(
                self._task(step, key, status, outputs=result.outputs, reason=result.reason)
            )
        return result

    def _changed(self, key: str, status: TaskStatus, outputs: Mapping[str, Any]) -> bool:
        known = self._tasks.get(key)
        return known is None or known.status is not status or known.outputs != outputs

    async def _branches(self, step: Step, scope: Scope, suffix: str) -> Result:
        try:
            chosen = _first_true(step.branches, scope)
        except StepFailure as failure:
            return Result(Outcome.FAILED, reason=f"step {step.id}: {failure.reason}")
        for branch in step.branches:
            if branch is not chosen:
                self._skip(branch.steps, suffix)
        if chosen is None:
            return Result(Outcome.DONE, {"branch": None})
        result = await self._sequence(chosen.steps, scope, suffix)
        return replace(result, outputs={"branch": chosen.id})

    async def _parallel(self, step: Step, scope: Scope, suffix: str) -> Result:
        results = await asyncio.gather(
            *(self._sequence(branch.steps, scope, suffix) for branch in step.branches)
        )
        return _combined(results, {"branches": [branch.id for branch in step.branches]})

    async def _loop(self, step: Step, scope: Scope, suffix: str) -> Result:
        try:
            items = resolve(step.parameters.get("items"), scope)
        except StepFailure as failure:
            return Result(Outcome.FAILED, reason=f"step {step.id}: {failure.reason}")
        if not isinstance(items, list):
            return Result(Outcome.FAILED, reason=f"step {step.id}: items is not a list")
        gate = asyncio.Semaphore(_max_parallel(step.parameters.get("max_parallel")))

        async def iteration(index: int, item: Any) -> Result:
            async with gate:
                inner = scope.in_loop(item, index, ChainMap({}, *_maps(scope)))
                return await self._sequence(step.steps, inner, f"{suffix}@{step.id}.{index}")

        results = await asyncio.gather(*(iteration(i, item) for i, item in enumerate(items)))
        outputs = {"results": [dict(r.outputs) for r in results], "index": len(items)}
        return _combined(list(results), outputs)

    def _skip(self, steps: Sequence[Step], suffix: str) -> None:
        for skipped in walk_steps(tuple(steps)):
            if skipped.id + suffix not in self._tasks:
                self._record(self._task(skipped, skipped.id + suffix, TaskStatus.SKIPPED))

    async def _action(self, step: Step, key: str, scope: Scope) -> Result:
        known = self._tasks.get(key)
        replayed = self._replay(step, known)
        if replayed is not None:
            return replayed
        telemetry = self._tools.telemetry
        tracer = telemetry.tracer
        if not telemetry.pure_step_spans and self._tools.actions.is_pure(step.operator):
            # Microseconds of work in memory: an event on the run's span, not a span of its own
            # (a span costs more than the step; chains of pure steps would pay double).
            result = await self._execute(step, key, known, scope)
            if tracer.recording:
                tracer.event(f"step {step.id}", {**self._identity(step), **self._outcome(key)})
            return result
        with tracer.span(f"step {step.id}", self._identity(step)) as span:
            result = await self._execute(step, key, known, scope)
            for name, value in self._outcome(key).items():
                span.set(name, value)
            if result.outcome is Outcome.FAILED:
                span.failed(result.reason)
        return result

    def _identity(self, step: Step) -> dict[str, str | int]:
        run = self.journal.run
        return {"run_id": run.id, "dag_id": run.dag_id, "step_id": step.id,
                "operator": step.operator}  # fmt: skip

    def _outcome(self, key: str) -> dict[str, str | int]:
        task = self._tasks.get(key)
        if task is None:
            return {}
        return {"task_id": task.id, "attempt": task.attempt, "status": task.status.value}

    async def _execute(
        self, step: Step, key: str, known: TaskInstance | None, scope: Scope
    ) -> Result:
        try:
            parameters = resolve(step.parameters, await self._with_secrets(step, scope))
        except StepFailure as failure:
            return self._fail(step, key, known, {}, failure.reason)
        if self._tools.actions.is_pure(step.operator):
            return self._run_pure(step, key, parameters)
        return await self._run_effect(step, key, known, parameters)

    async def _with_secrets(self, step: Step, scope: Scope) -> Scope:
        """The scope with the step's `{{__secrets.<connection>.<key>}}` values fetched. They
        are remembered so every task record of this run shows them as `***`."""
        wanted = {
            (ref.name, str(ref.path[0]))
            for ref in find_references(step.parameters)
            if ref.kind is ReferenceKind.SECRETS and ref.path
        }
        if not wanted:
            return scope
        if self._tools.secrets is None:
            raise StepFailure("this server has no connections to take secrets from")
        biz_domain_id = self.journal.run.biz_domain_id
        found = {pair: await self._tools.secrets(biz_domain_id, *pair) for pair in wanted}
        self._secret_values.update(value for value in found.values() if value)
        return replace(scope, secrets=lambda name, key: found[(name, key)])

    def _replay(self, step: Step, known: TaskInstance | None) -> Result | None:
        if known is None:
            return None
        if known.status in (TaskStatus.SUCCESS, TaskStatus.SKIPPED):
            self._assign(step, known.outputs)
            return Result(Outcome.DONE, known.outputs)
        if known.status is TaskStatus.FAILED:
            return Result(Outcome.FAILED, reason=known.reason)
        if known.status is TaskStatus.BLOCKED:
            return self._still_blocked(known)
        return None

    def _still_blocked(self, known: TaskInstance) -> Result | None:
        now_ms = self._tools.clock.now_ms()
        if known.wake_at_ms is not None and known.wake_at_ms <= now_ms:
            self._record(self._finished(known, TaskStatus.SUCCESS, {}))
            return Result(Outcome.DONE, {})
        if known.wake_at_ms is not None:
            self._wakes.append(known.wake_at_ms)
        return Result(Outcome.BLOCKED)

    def _run_pure(self, step: Step, key: str, parameters: Mapping[str, Any]) -> Result:
        started = self._tools.clock.now_ms()
        try:
            outputs = self._tools.actions.run_pure(step.operator, parameters)
        except StepFailure as failure:
            return self._fail(step, key, None, parameters, failure.reason)
        task = self._task(step, key, TaskStatus.RUNNING, inputs=parameters, started_ms=started)
        self._record(self._finished(task, TaskStatus.SUCCESS, outputs))
        self._assign(step, outputs)
        return Result(Outcome.DONE, outputs)

    async def _run_effect(
        self, step: Step, key: str, known: TaskInstance | None, parameters: Mapping[str, Any]
    ) -> Result:
        attempt = known.attempt if known else 0
        policy = step.retry or RetryPolicy()
        while True:
            attempt += 1
            task = self._task(step, key, TaskStatus.RUNNING, inputs=parameters, attempt=attempt)
            self._record(task)
            await self.journal.flush()
            if self.journal.run.status is RunStatus.PAUSED:
                # Paused while this step was being written: it has not started, so it waits.
                self._record(replace(task, status=TaskStatus.PENDING, attempt=attempt - 1))
                return Result(Outcome.STOPPED)
            try:
                async with asyncio.timeout(step.timeout_ms / 1000 if step.timeout_ms else None):
                    run = self.journal.run
                    ref = TaskRef(task_id=task.id, run_id=run.id, biz_domain_id=run.biz_domain_id)
                    output = await self._in_flight(step.operator, parameters, ref)
            except StepFailure as failure:
                reason = failure.reason
            except TimeoutError:
                reason = f"timed out after {step.timeout_ms} ms"
            else:
                return self._settled(step, task, output)
            delay = retry_delay_ms(policy, attempt, self._tools.jitter)
            if delay is None:
                return self._fail(step, key, task, parameters, reason)
            self.journal.log(task, f"attempt {attempt} failed: {reason}; next in {delay} ms")
            self._record(replace(task, status=TaskStatus.SCHEDULED, reason=reason))
            await asyncio.sleep(delay / 1000)

    async def _in_flight(self, operator: str, parameters: Mapping[str, Any], ref: TaskRef) -> Any:
        metrics = self._tools.telemetry.metrics
        metrics.step_in_flight(1)
        try:
            with logged(task_id=ref.task_id):
                return await self._tools.actions.run_effect(operator, parameters, ref)
        finally:
            metrics.step_in_flight(-1)

    def _settled(self, step: Step, task: TaskInstance, output: Any) -> Result:
        if isinstance(output, Blocked):
            self._record(
                replace(
                    task,
                    status=TaskStatus.BLOCKED,
                    wake_at_ms=output.wake_at_ms,
                    callback_digest=output.callback_digest,
                )
            )
            if output.wake_at_ms is not None:
                self._wakes.append(output.wake_at_ms)
            return Result(Outcome.BLOCKED)
        self._record(self._finished(task, TaskStatus.SUCCESS, output))
        return Result(Outcome.DONE, output)

    def _fail(
        self, step: Step, key: str, known: TaskInstance | None,
        parameters: Mapping[str, Any], reason: str,
    ) -> Result:  # fmt: skip
        task = known or self._task(step, key, TaskStatus.RUNNING, inputs=parameters)
        self._record(self._finished(task, TaskStatus.FAILED, {}, reason))
        shown = redact(reason, self._secret_values)
        return Result(Outcome.FAILED, reason=f"step {step.id}: {shown}")

    def _assign(self, step: Step, outputs: Mapping[str, Any]) -> None:
        if step.operator == ASSIGN and "name" in outputs:
            self._vars[str(outputs["name"])] = outputs.get("value")

    def _record(self, task: TaskInstance) -> None:
        if self._secret_values:
            task = replace(
                task, inputs=redact(task.inputs, self._secret_values),
                outputs=redact(task.outputs, self._secret_values),
                reason=redact(task.reason, self._secret_values),
            )  # fmt: skip
        self._tasks[task.key] = task
        self.journal.record(task)
        self._tools.telemetry.task_recorded(task)

    def _task(
        self, step: Step, key: str, status: TaskStatus, *, outputs: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None, reason: str = "", attempt: int = 1,
        started_ms: int | None = None,
    ) -> TaskInstance:  # fmt: skip
        known = self._tasks.get(key)
        now_ms = started_ms or self._tools.clock.now_ms()
        return TaskInstance(
            id=known.id if known else self._tools.new_id(),
            run_id=self.journal.run.id,
            key=key,
            step_id=step.id,
            operator=step.operator,
            title=step.title,
            status=status,
            attempt=attempt,
            inputs=inputs or {},
            outputs=outputs or {},
            reason=reason,
            started_at=now_ms // 1000,
            started_ms=now_ms,
            worker=self._tools.worker,
        )

    def _finished(
        self, task: TaskInstance, status: TaskStatus, outputs: Mapping[str, Any], reason: str = ""
    ) -> TaskInstance:
        now_ms = self._tools.clock.now_ms()
        started = task.started_ms or now_ms
        return replace(
            task, status=status, outputs=outputs, reason=reason, ended_at=now_ms // 1000,
            duration_ms=now_ms - started,
        )  # fmt: skip


def _first_true(branches: Sequence[Branch], scope: Scope) -> Branch | None:
    for branch in branches:
        groups = [
            [_operands(comparison, scope) for comparison in group] for group in branch.conditions
        ]
        if holds(groups):
            return branch
    return None


def _operands(comparison: Comparison, scope: Scope) -> tuple[str, object, object]:
    parameters = comparison.parameters
    return (
        comparison.operator,
        resolve(parameters.get("a"), scope),
        resolve(parameters.get("b"), scope),
    )


def _combined(results: Sequence[Result], outputs: Mapping[str, Any]) -> Result:
    for outcome in (Outcome.STOPPED, Outcome.FAILED, Outcome.BLOCKED):
        found = [r for r in results if r.outcome is outcome]
        if found:
            return Result(outcome, outputs, found[0].reason)
    return Result(Outcome.DONE, outputs)


def _max_parallel(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 1


def _outputs_of(scope: Scope) -> ChainMap[str, Mapping[str, Any]]:
    """The driver builds every scope on a ChainMap: the first map is the current frame."""
    outputs = scope.outputs
    assert isinstance(outputs, ChainMap)
    return outputs


def _maps(scope: Scope) -> list[MutableMapping[str, Mapping[str, Any]]]:
    return list(_outputs_of(scope).maps)
