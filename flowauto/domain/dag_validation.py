"""The semantic rules of a step tree (SPEC section 1, Validation); the first broken rule is
raised as DagInvalidError naming the step id and the field.

What a step may refer to: every step that runs before it in execution order. That is each
earlier step of its own sequence and of every enclosing sequence, the trigger included; after
a `branches` or `parallel` step, the steps inside its branches too (a skipped branch yields
null); after a loop, only the loop itself (`__<loopId>.results`), not its body. A step never
sees a sibling branch, a later step or itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flowauto.domain.dag import Branch, Step, walk_steps
from flowauto.domain.errors import DagInvalidError
from flowauto.domain.operator_catalog import (
    OperatorCatalog,
    OperatorKind,
    OperatorSpec,
    check_parameters,
)
from flowauto.domain.reference import ReferenceKind, ReferenceSyntaxError, find_references

MAX_DEPTH = 16
ASSIGN = "@internal/assign"


def validate_steps(
    steps: tuple[Step, ...],
    catalog: OperatorCatalog,
    *,
    declared_vars: frozenset[str] = frozenset(),
) -> None:
    if len(steps) < 2:
        raise DagInvalidError("a DAG needs a trigger and at least one more step", field="steps")
    trigger = steps[0]
    spec = catalog.get(trigger.operator)
    if spec is None or spec.kind is not OperatorKind.TRIGGER:
        raise DagInvalidError(
            f"the first step must be a trigger, not {trigger.operator!r}",
            field="operator",
            step_id=trigger.id,
        )
    _check_unique_ids(steps)
    checker = _Checker(
        catalog=catalog,
        all_ids=frozenset(_every_id(steps)),
        variables=declared_vars | _assigned_vars(steps),
    )
    checker.sequence(
        steps,
        _Scope(visible=frozenset(), in_loop=trigger.data_source is not None, depth=1, top=True),
    )


@dataclass(frozen=True, slots=True)
class _Scope:
    visible: frozenset[str]
    in_loop: bool
    depth: int
    top: bool = False

    def inner(self, visible: frozenset[str], *, loop: bool = False) -> _Scope:
        return _Scope(visible=visible, in_loop=self.in_loop or loop, depth=self.depth + 1)


@dataclass(frozen=True, slots=True)
class _Checker:
    catalog: OperatorCatalog
    all_ids: frozenset[str]
    variables: frozenset[str]

    def sequence(self, steps: tuple[Step, ...], scope: _Scope) -> frozenset[str]:
        """Checks a sequence; returns the ids later steps may refer to once it has run."""
        if scope.depth > MAX_DEPTH:
            raise DagInvalidError(
                f"steps are nested deeper than {MAX_DEPTH} levels",
                field="steps",
                step_id=steps[0].id if steps else None,
            )
        produced: set[str] = set()
        for index, step in enumerate(steps):
            visible = scope.visible | produced
            produced |= self.step(step, visible, scope, first=scope.top and index == 0)
        return frozenset(produced)

    def step(self, step: Step, visible: frozenset[str], scope: _Scope, *, first: bool) -> set[str]:
        spec = self._spec_of(step, first=first)
        check_parameters(spec, step.parameters, step.id)
        self.references(step.parameters, step.id, visible, scope.in_loop)
        self.data_source(step, spec)
        self._check_shape(step, spec)
        produced = {step.id}
        if spec.takes_steps:
            self.sequence(step.steps, scope.inner(visible, loop=True))
        for branch in step.branches:
            self.conditions(branch, visible, scope.in_loop)
            produced |= self.sequence(branch.steps, scope.inner(visible))
        return produced

    def conditions(self, branch: Branch, visible: frozenset[str], in_loop: bool) -> None:
        for group in branch.conditions:
            for comparison in group:
                spec = self.catalog.get(comparison.operator)
                if spec is None or spec.kind is not OperatorKind.COMPARISON:
                    raise DagInvalidError(
                        f"conditions may hold only comparison operators, not "
                        f"{comparison.operator!r}",
                        field="operator",
                        step_id=comparison.id,
                    )
                check_parameters(spec, comparison.parameters, comparison.id)
                self.references(comparison.parameters, comparison.id, visible, in_loop)

    def data_source(self, step: Step, spec: OperatorSpec) -> None:
        source = step.data_source
        if source is None:
            return
        if not spec.allows_data_source:
            raise DagInvalidError(
                f"{spec.name} takes no dataSource (only manual and cron triggers do)",
                field="dataSource",
                step_id=step.id,
            )
        source_spec = self.catalog.get(source.operator)
        if source_spec is None or source_spec.kind is not OperatorKind.ACTION:
            raise DagInvalidError(
                f"a dataSource needs a known action operator, not {source.operator!r}",
                field="operator",
                step_id=source.id,
            )
        check_parameters(source_spec, source.parameters, source.id)
        self.references(source.parameters, source.id, frozenset(), in_loop=False)

    def references(self, value: Any, owner: str, visible: frozenset[str], in_loop: bool) -> None:
        try:
            found = find_references(value)
        except ReferenceSyntaxError as error:
            raise DagInvalidError(str(error), field="parameters", step_id=owner) from None
        for reference in found:
            problem = self._reference_problem(reference.kind, reference.name, visible, in_loop)
            if problem:
                raise DagInvalidError(
                    f"{{{{{reference.text}}}}} {problem}", field="parameters", step_id=owner
                )

    def _reference_problem(
        self, kind: ReferenceKind, name: str, visible: frozenset[str], in_loop: bool
    ) -> str | None:
        if kind is ReferenceKind.STEP and name not in self.all_ids:
            return f"refers to step {name}, which does not exist"
        if kind is ReferenceKind.STEP and name not in visible:
            return f"refers to step {name}, which does not run before this step"
        if kind is ReferenceKind.VARS and name not in self.variables:
            return f"refers to variable {name!r}, which is neither declared nor assigned"
        if kind is ReferenceKind.LOOP and not in_loop:
            return "is only available inside a loop or a dataSource run"
        return None

    def _spec_of(self, step: Step, *, first: bool) -> OperatorSpec:
        spec = self.catalog.get(step.operator)
        if spec is None:
            raise DagInvalidError(
                f"unknown operator {step.operator!r}", field="operator", step_id=step.id
            )
        if spec.kind is OperatorKind.TRIGGER and not first:
            raise DagInvalidError(
                "only the first step may be a trigger", field="operator", step_id=step.id
            )
        if spec.kind is OperatorKind.COMPARISON:
            raise DagInvalidError(
                "comparisons belong inside branch conditions", field="operator", step_id=step.id
            )
        return spec

    def _check_shape(self, step: Step, spec: OperatorSpec) -> None:
        if step.steps and not spec.takes_steps:
            raise DagInvalidError(f"{spec.name} takes no steps", field="steps", step_id=step.id)
        if spec.takes_steps and not step.steps:
            raise DagInvalidError("needs at least one step", field="steps", step_id=step.id)
        if step.branches and not spec.takes_branches:
            raise DagInvalidError(
                f"{spec.name} takes no branches", field="branches", step_id=step.id
            )
        if spec.takes_branches and len(step.branches) < 2:
            raise DagInvalidError("needs at least 2 branches", field="branches", step_id=step.id)
        if not spec.branches_have_conditions and any(b.conditions for b in step.branches):
            raise DagInvalidError(
                f"branches of {spec.name} take no conditions",
                field="conditions",
                step_id=step.id,
            )


def _check_unique_ids(steps: tuple[Step, ...]) -> None:
    seen: set[str] = set()
    for identifier in _every_id(steps):
        if identifier in seen:
            raise DagInvalidError(
                f"id {identifier!r} is used more than once", field="id", step_id=identifier
            )
        seen.add(identifier)


def _every_id(steps: tuple[Step, ...]) -> Iterator[str]:
    """Step, branch, comparison and dataSource ids: they share one id space."""
    for step in walk_steps(steps):
        yield step.id
        if step.data_source is not None:
            yield step.data_source.id
        for branch in step.branches:
            yield branch.id
            yield from (comparison.id for group in branch.conditions for comparison in group)


def _assigned_vars(steps: tuple[Step, ...]) -> frozenset[str]:
    return frozenset(
        step.parameters["name"]
        for step in walk_steps(steps)
        if step.operator == ASSIGN and isinstance(step.parameters.get("name"), str)
    )
