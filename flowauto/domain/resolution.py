"""Resolving references in parameter values at run time (SPEC section 1, References)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flowauto.domain.reference import Reference, ReferenceKind, parse_reference
from flowauto.domain.step_failure import StepFailure

_EXACT = re.compile(r"^\{\{\s*(__[^{}]*?)\s*\}\}$")
_EMBEDDED = re.compile(r"\{\{\s*(__[^{}]*?)\s*\}\}")

SecretLookup = Callable[[str, str], str]
"""(connection name, key) -> secret value; raises StepFailure when unknown."""


def _no_secrets(connection: str, key: str) -> str:
    raise StepFailure(f"connection {connection!r} has no secret {key!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """What references can see: outputs of finished steps, run vars, run fields, the loop item.

    `outputs` is live (a ChainMap in the engine): a step inside a loop iteration sees the steps
    before the loop and the earlier steps of its own iteration.
    """

    outputs: Mapping[str, Mapping[str, Any]]
    vars: Mapping[str, Any] = field(default_factory=dict)
    run_id: str = ""
    dag_id: str = ""
    loop_item: Any = None
    loop_index: int | None = None
    secrets: SecretLookup = _no_secrets

    def in_loop(self, item: Any, index: int, outputs: Mapping[str, Mapping[str, Any]]) -> Scope:
        return replace(self, loop_item=item, loop_index=index, outputs=outputs)


def resolve(value: Any, scope: Scope) -> Any:
    """`value` with every reference replaced; exact references keep the referenced type."""
    if isinstance(value, str):
        return _resolve_text(value, scope)
    if isinstance(value, Mapping):
        return {key: resolve(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, scope) for item in value]
    return value


def _resolve_text(text: str, scope: Scope) -> Any:
    if "{{" not in text:
        return text
    exact = _EXACT.match(text)
    if exact is not None:
        return lookup(_parse(exact.group(1)), scope)
    return _EMBEDDED.sub(lambda match: _as_text(lookup(_parse(match.group(1)), scope)), text)


def _parse(expression: str) -> Reference:
    try:
        return parse_reference(expression)
    except ValueError as exc:
        raise StepFailure(str(exc)) from exc


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def lookup(reference: Reference, scope: Scope) -> Any:
    """The value a reference points at; a missing path gives None (Airflow-like leniency),
    a step that has not produced outputs is a failure."""
    if reference.kind is ReferenceKind.SECRETS:
        return scope.secrets(reference.name, str(reference.path[0]))
    return walk(_root(reference, scope), reference.path)


def _root(reference: Reference, scope: Scope) -> Any:
    kind, name = reference.kind, reference.name
    if kind is ReferenceKind.VARS:
        return scope.vars.get(name)
    if kind is ReferenceKind.RUN:
        return scope.run_id if name == "id" else scope.dag_id
    if kind is ReferenceKind.LOOP:
        return scope.loop_item if name == "item" else scope.loop_index
    if name in scope.outputs:
        return scope.outputs[name]
    raise StepFailure(f"{{{{{reference.text}}}}}: step {name} has no outputs yet")


def walk(value: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(value, Mapping):
            value = value.get(str(part))
        elif isinstance(value, list) and isinstance(part, int):
            value = value[part] if -len(value) <= part < len(value) else None
        else:
            return None
    return value
