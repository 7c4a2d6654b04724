"""Single-step debug: run one step now with upstream values given by hand; nothing is stored
but the answer, kept a while in memory for `GET /dags/single-debug/result`."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowauto.application.step_action import Blocked, StepActions
from flowauto.domain.dag import Step
from flowauto.domain.errors import DagInvalidError, FieldInvalidError, NotFoundError
from flowauto.domain.ids import IdGenerator
from flowauto.domain.resolution import Scope, resolve
from flowauto.domain.step_failure import StepFailure
from flowauto.ports.clock import Clock

KEPT_RESULTS = 1000
DEBUG_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class StepDebugResult:
    id: str
    status: str
    outputs: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    duration_ms: int = 0


class StepDebugService:
    def __init__(self, *, actions: StepActions, clock: Clock, ids: IdGenerator) -> None:
        self._actions = actions
        self._clock = clock
        self._ids = ids
        self._results: OrderedDict[str, StepDebugResult] = OrderedDict()

    async def run_step(self, step: Step, inputs: Mapping[str, Any]) -> StepDebugResult:
        """`inputs` map reference paths (`__1.fields.x`, `__vars.region`) to values."""
        if step.steps or step.branches:
            raise DagInvalidError(
                "single-debug runs one action step; control steps need full-debug",
                field="operator", step_id=step.id,
            )  # fmt: skip
        started = self._clock.now_ms()
        status, outputs, reason = await self._execute(step, _scope(inputs))
        result = StepDebugResult(
            id=self._ids.next_id(), status=status, outputs=outputs, reason=reason,
            duration_ms=self._clock.now_ms() - started,
        )  # fmt: skip
        self._keep(result)
        return result

    def result(self, result_id: str) -> StepDebugResult:
        found = self._results.get(result_id)
        if found is None:
            raise NotFoundError(f"no debug result {result_id}", detail={"id": result_id})
        return found

    async def _execute(self, step: Step, scope: Scope) -> tuple[str, Mapping[str, Any], str]:
        try:
            parameters = resolve(step.parameters, scope)
            if self._actions.is_pure(step.operator):
                return "success", self._actions.run_pure(step.operator, parameters), ""
            async with asyncio.timeout(DEBUG_TIMEOUT_S):
                output = await self._actions.run_effect(step.operator, parameters)
        except StepFailure as failure:
            return "failed", {}, failure.reason
        except TimeoutError:
            return "failed", {}, f"timed out after {DEBUG_TIMEOUT_S:.0f} s"
        if isinstance(output, Blocked):
            return "blocked", {}, "the step waits (timer or person); debug runs do not wait"
        return "success", output, ""

    def _keep(self, result: StepDebugResult) -> None:
        self._results[result.id] = result
        while len(self._results) > KEPT_RESULTS:
            self._results.popitem(last=False)


def _scope(inputs: Mapping[str, Any]) -> Scope:
    outputs: dict[str, Any] = {}
    variables: dict[str, Any] = {}
    for path, value in inputs.items():
        parts = path.removeprefix("{{").removesuffix("}}").strip().split(".")
        if not parts[0].startswith("__") or (len(parts) < 2 and parts[0] != "__vars"):
            raise FieldInvalidError(f"inputs.{path}", "must look like __<step id>.<path>")
        head, rest = parts[0][2:], parts[1:]
        target = variables if head == "vars" else outputs.setdefault(head, {})
        _put(target, rest, value, path)
    return Scope(outputs=outputs, vars=variables)


def _put(target: dict[str, Any], path: list[str], value: Any, name: str) -> None:
    if not path:
        raise FieldInvalidError(f"inputs.{name}", "needs a path after the step id")
    for part in path[:-1]:
        target = target.setdefault(part, {})
        if not isinstance(target, dict):
            raise FieldInvalidError(f"inputs.{name}", "overlaps another input")
    target[path[-1]] = value
