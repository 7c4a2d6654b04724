"""The JSON form of a step tree (SPEC section 1): parsing with errors that name the step
and field, and rendering back. Stores keep steps in this form too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowauto.domain.dag import (
    Branch,
    Comparison,
    DataSource,
    OnError,
    RetryPolicy,
    Step,
    VarDef,
)
from flowauto.domain.errors import DagInvalidError

_STEP_KEYS = frozenset(
    {
        "id",
        "title",
        "operator",
        "parameters",
        "branches",
        "steps",
        "dataSource",
        "retry",
        "timeout_ms",
        "on_error",
    }
)
_BRANCH_KEYS = frozenset({"id", "conditions", "steps"})
_RETRY_KEYS = frozenset({"max_attempts", "backoff_ms", "max_backoff_ms"})


def parse_steps(raw: object, *, field: str = "steps", owner: str | None = None) -> tuple[Step, ...]:
    """Turns a JSON list of steps into Steps; raises DagInvalidError naming step and field."""
    if not isinstance(raw, list):
        raise DagInvalidError("must be a list of steps", field=field, step_id=owner)
    return tuple(_parse_step(item, f"{field}[{i}]", owner) for i, item in enumerate(raw))


def render_steps(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    return [_render_step(step) for step in steps]


def parse_vars(raw: object) -> dict[str, VarDef]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise DagInvalidError("must be an object of variables", field="vars")
    parsed: dict[str, VarDef] = {}
    for name, spec in raw.items():
        if not isinstance(spec, Mapping):
            raise DagInvalidError("must be an object {desc, defaultValue}", field=f"vars.{name}")
        desc = spec.get("desc", "")
        if not isinstance(desc, str):
            raise DagInvalidError("must be a string", field=f"vars.{name}.desc")
        parsed[str(name)] = VarDef(desc=desc, default_value=spec.get("defaultValue"))
    return parsed


def render_vars(variables: Mapping[str, VarDef]) -> dict[str, dict[str, Any]]:
    return {
        name: {"desc": var.desc, "defaultValue": var.default_value}
        for name, var in variables.items()
    }


def _parse_step(raw: object, field: str, owner: str | None) -> Step:
    if not isinstance(raw, Mapping):
        raise DagInvalidError("must be a step object", field=field, step_id=owner)
    step_id = _required_id(raw, field, owner)
    unknown = sorted(set(raw) - _STEP_KEYS)
    if unknown:
        raise DagInvalidError(f"unknown field {unknown[0]!r}", field=unknown[0], step_id=step_id)
    return Step(
        id=step_id,
        operator=_required_str(raw, "operator", step_id),
        title=_optional_str(raw, "title", step_id),
        parameters=_parameters(raw.get("parameters"), "parameters", step_id),
        branches=_parse_branches(raw.get("branches"), step_id),
        steps=parse_steps(raw["steps"], field="steps", owner=step_id) if "steps" in raw else (),
        data_source=_parse_data_source(raw.get("dataSource"), step_id),
        retry=_parse_retry(raw.get("retry"), step_id),
        timeout_ms=_optional_positive_int(raw.get("timeout_ms"), "timeout_ms", step_id),
        on_error=_parse_on_error(raw.get("on_error", OnError.FAIL.value), step_id),
    )


def _parse_branches(raw: object, step_id: str) -> tuple[Branch, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DagInvalidError("must be a list of branches", field="branches", step_id=step_id)
    return tuple(_parse_branch(item, f"branches[{i}]", step_id) for i, item in enumerate(raw))


def _parse_branch(raw: object, field: str, step_id: str) -> Branch:
    if not isinstance(raw, Mapping):
        raise DagInvalidError("must be a branch object", field=field, step_id=step_id)
    branch_id = _required_id(raw, field, step_id)
    unknown = sorted(set(raw) - _BRANCH_KEYS)
    if unknown:
        raise DagInvalidError(
            f"unknown field {unknown[0]!r}", field=f"{field}.{unknown[0]}", step_id=branch_id
        )
    return Branch(
        id=branch_id,
        conditions=_parse_conditions(raw.get("conditions", []), branch_id),
        steps=parse_steps(raw.get("steps", []), field="steps", owner=branch_id),
    )


def _parse_conditions(raw: object, branch_id: str) -> tuple[tuple[Comparison, ...], ...]:
    if not isinstance(raw, list) or not all(isinstance(group, list) for group in raw):
        raise DagInvalidError(
            "must be a list of comparison groups (OR of AND)",
            field="conditions",
            step_id=branch_id,
        )
    return tuple(
        tuple(
            _parse_comparison(item, f"conditions[{g}][{i}]", branch_id)
            for i, item in enumerate(group)
        )
        for g, group in enumerate(raw)
    )


def _parse_comparison(raw: object, field: str, branch_id: str) -> Comparison:
    if not isinstance(raw, Mapping):
        raise DagInvalidError("must be a comparison object", field=field, step_id=branch_id)
    comparison_id = _required_id(raw, field, branch_id)
    return Comparison(
        id=comparison_id,
        operator=_required_str(raw, "operator", comparison_id),
        parameters=_parameters(raw.get("parameters"), "parameters", comparison_id),
    )


def _parse_data_source(raw: object, step_id: str) -> DataSource | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise DagInvalidError("must be an object", field="dataSource", step_id=step_id)
    source_id = _required_id(raw, "dataSource", step_id)
    return DataSource(
        id=source_id,
        operator=_required_str(raw, "operator", source_id),
        parameters=_parameters(raw.get("parameters"), "parameters", source_id),
    )


def _parse_retry(raw: object, step_id: str) -> RetryPolicy | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise DagInvalidError("must be an object", field="retry", step_id=step_id)
    unknown = sorted(set(raw) - _RETRY_KEYS)
    if unknown:
        raise DagInvalidError("unknown field", field=f"retry.{unknown[0]}", step_id=step_id)
    defaults = RetryPolicy()
    values = {
        key: _optional_positive_int(raw.get(key), f"retry.{key}", step_id)
        for key in sorted(_RETRY_KEYS)
    }
    return RetryPolicy(
        max_attempts=values["max_attempts"] or defaults.max_attempts,
        backoff_ms=values["backoff_ms"] or defaults.backoff_ms,
        max_backoff_ms=values["max_backoff_ms"] or defaults.max_backoff_ms,
    )


def _parse_on_error(raw: object, step_id: str) -> OnError:
    try:
        return OnError(str(raw))
    except ValueError:
        raise DagInvalidError(
            "must be 'fail' or 'continue'", field="on_error", step_id=step_id
        ) from None


def _required_id(raw: Mapping[str, Any], field: str, owner: str | None) -> str:
    value = raw.get("id")
    if not isinstance(value, str) or not value:
        raise DagInvalidError("needs a non-empty string id", field=f"{field}.id", step_id=owner)
    return value


def _required_str(raw: Mapping[str, Any], key: str, step_id: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise DagInvalidError("is required and must be a string", field=key, step_id=step_id)
    return value


def _optional_str(raw: Mapping[str, Any], key: str, step_id: str) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise DagInvalidError("must be a string", field=key, step_id=step_id)
    return value


def _parameters(raw: object, field: str, step_id: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise DagInvalidError("must be an object", field=field, step_id=step_id)
    return dict(raw)


def _optional_positive_int(raw: object, field: str, step_id: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        raise DagInvalidError("must be a positive integer", field=field, step_id=step_id)
    return raw


def _render_step(step: Step) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "id": step.id,
        "title": step.title,
        "operator": step.operator,
        "parameters": dict(step.parameters),
    }
    if step.branches:
        rendered["branches"] = [_render_branch(branch) for branch in step.branches]
    if step.steps:
        rendered["steps"] = render_steps(step.steps)
    if step.data_source is not None:
        source = step.data_source
        rendered["dataSource"] = {
            "id": source.id,
            "operator": source.operator,
            "parameters": dict(source.parameters),
        }
    if step.retry is not None:
        rendered["retry"] = {
            "max_attempts": step.retry.max_attempts,
            "backoff_ms": step.retry.backoff_ms,
            "max_backoff_ms": step.retry.max_backoff_ms,
        }
    if step.timeout_ms is not None:
        rendered["timeout_ms"] = step.timeout_ms
    if step.on_error is not OnError.FAIL:
        rendered["on_error"] = step.on_error.value
    return rendered


def _render_branch(branch: Branch) -> dict[str, Any]:
    return {
        "id": branch.id,
        "conditions": [
            [{"id": c.id, "operator": c.operator, "parameters": dict(c.parameters)} for c in group]
            for group in branch.conditions
        ],
        "steps": render_steps(branch.steps),
    }
