"""What operators exist, what parameters they take and what they output.

Parameter specs are plain data so the domain can check DAGs without a JSON Schema library;
`parameters_schema()` renders them as JSON Schema for `GET /actions`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flowauto.domain.errors import DagInvalidError
from flowauto.domain.reference import is_exact_reference


class OperatorKind(enum.StrEnum):
    TRIGGER = "trigger"
    CONTROL = "control"
    COMPARISON = "comparison"
    ACTION = "action"


class ParamType(enum.StrEnum):
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    OBJECT = "object"
    ARRAY = "array"
    ANY = "any"


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamSpec:
    name: str
    type: ParamType
    required: bool = False
    description: str = ""
    enum: tuple[Any, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {} if self.type is ParamType.ANY else {"type": self.type.value}
        if self.description:
            schema["description"] = self.description
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


ParameterRule = Callable[[Mapping[str, Any]], tuple[str, str] | None]
"""A rule across parameters: returns (parameter name, problem) or None when satisfied."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorSpec:
    name: str
    kind: OperatorKind
    title: str
    description: str = ""
    params: tuple[ParamSpec, ...] = ()
    outputs: tuple[str, ...] = ()
    rules: tuple[ParameterRule, ...] = ()
    takes_steps: bool = False
    takes_branches: bool = False
    branches_have_conditions: bool = False
    allows_data_source: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def parameters_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {param.name: param.json_schema() for param in self.params},
            "required": [param.name for param in self.params if param.required],
            "additionalProperties": False,
        }

    def to_catalog_entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind.value,
            "title": self.title,
            "description": self.description,
            # Custom actions bring their own JSON Schema; it is shown as written.
            "parameters": dict(self.extra.get("input_schema") or self.parameters_schema()),
            "outputs": list(self.outputs),
            **{k: v for k, v in self.extra.items() if k not in ("input_schema",)},
        }


class OperatorCatalog:
    """The operators a DAG may use: built-ins plus registered custom and combo operators."""

    def __init__(self, specs: Iterable[OperatorSpec]) -> None:
        self._specs = {spec.name: spec for spec in specs}

    @classmethod
    def built_in(cls) -> OperatorCatalog:
        from flowauto.domain.builtin_operators import BUILTIN_OPERATORS

        return cls(BUILTIN_OPERATORS)

    def get(self, name: str) -> OperatorSpec | None:
        return self._specs.get(name)

    def entries(self) -> list[OperatorSpec]:
        return list(self._specs.values())

    def with_extra(self, specs: Iterable[OperatorSpec]) -> OperatorCatalog:
        return OperatorCatalog([*self._specs.values(), *specs])


def check_parameters(spec: OperatorSpec, parameters: Mapping[str, Any], step_id: str) -> None:
    """Raises DagInvalidError naming `parameters.<name>` for the first parameter that does
    not fit the spec. A value that is exactly a reference fits any type (known at run time)."""
    known = {param.name: param for param in spec.params}
    for name in parameters:
        if name not in known:
            raise DagInvalidError(
                f"{spec.name} takes no parameter {name!r}",
                field=f"parameters.{name}",
                step_id=step_id,
            )
    for param in spec.params:
        if param.name not in parameters:
            if param.required:
                raise DagInvalidError(
                    "is required", field=f"parameters.{param.name}", step_id=step_id
                )
            continue
        problem = _value_problem(param, parameters[param.name])
        if problem:
            raise DagInvalidError(problem, field=f"parameters.{param.name}", step_id=step_id)
    for rule in spec.rules:
        broken = rule(parameters)
        if broken:
            name, problem = broken
            raise DagInvalidError(problem, field=f"parameters.{name}", step_id=step_id)


def _value_problem(param: ParamSpec, value: Any) -> str | None:
    if is_exact_reference(value):
        return None
    if not _has_type(value, param.type):
        return f"must be of type {param.type.value}"
    if param.enum and value not in param.enum:
        return f"must be one of {', '.join(repr(v) for v in param.enum)}"
    if param.minimum is not None and value < param.minimum:
        return f"must be at least {param.minimum}"
    if param.maximum is not None and value > param.maximum:
        return f"must be at most {param.maximum}"
    return None


def _has_type(value: Any, expected: ParamType) -> bool:
    if expected is ParamType.ANY:
        return True
    if expected is ParamType.STRING:
        return isinstance(value, str)
    if expected is ParamType.BOOLEAN:
        return isinstance(value, bool)
    if expected is ParamType.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is ParamType.NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is ParamType.OBJECT:
        return isinstance(value, Mapping)
    return isinstance(value, list)
