"""Combo operators: a DAG registered as an operator `@combo/<key>`, run as a child run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowauto.domain.dag import Step, walk_steps
from flowauto.domain.errors import DagInvalidError
from flowauto.domain.operator_catalog import OperatorKind, OperatorSpec, ParamSpec, ParamType

COMBO_PREFIX = "@combo/"


@dataclass(frozen=True, slots=True, kw_only=True)
class ComboOperator:
    id: str
    biz_domain_id: str
    key: str
    name: str
    dag_id: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    """A JSON Schema of the inputs (an object's `properties` and `required`)."""
    outputs: Mapping[str, Any] = field(default_factory=dict)
    userid: str
    created_at: int

    @property
    def operator(self) -> str:
        return COMBO_PREFIX + self.key


def combo_key(operator: str) -> str | None:
    return operator[len(COMBO_PREFIX) :] or None if operator.startswith(COMBO_PREFIX) else None


def check_not_recursive(combo_operator: str, steps: tuple[Step, ...]) -> None:
    """A combo's own DAG may not use the combo (a run would never end); deeper cycles through
    other DAGs are refused at run time, as sub-DAG cycles are."""
    for step in walk_steps(steps):
        if step.operator == combo_operator:
            raise DagInvalidError(
                f"{combo_operator} would run itself", field="operator", step_id=step.id
            )


def combo_spec(combo: ComboOperator) -> OperatorSpec:
    properties = combo.inputs.get("properties") or {}
    required = set(combo.inputs.get("required") or [])
    params = tuple(
        ParamSpec(name=str(name), type=ParamType.ANY, required=name in required)
        for name in properties
    )
    return OperatorSpec(
        name=combo.operator, kind=OperatorKind.ACTION, title=combo.name, params=params,
        outputs=("run_id", "status", "outputs"),
        extra={"combo_dag_id": combo.dag_id, "input_schema": dict(combo.inputs) or None},
    )  # fmt: skip
