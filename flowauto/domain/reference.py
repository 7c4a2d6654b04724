"""References inside parameter values: `{{__<stepId>.<path>}}`, `{{__vars.x}}`, `{{__run.id}}`,
`{{__loop.item}}`, `{{__secrets.<connection>.<key>}}`.

A value that is exactly one reference is replaced at run time with its type kept; references
embedded in longer strings are interpolated as text.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_EXACT = re.compile(r"^\{\{\s*(__[^{}]*?)\s*\}\}$")
_EMBEDDED = re.compile(r"\{\{\s*(__[^{}]*?)\s*\}\}")
_RUN_FIELDS = frozenset({"id", "dag_id"})
_LOOP_FIELDS = frozenset({"item", "index"})


class ReferenceKind(enum.StrEnum):
    STEP = "step"
    VARS = "vars"
    RUN = "run"
    LOOP = "loop"
    SECRETS = "secrets"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reference:
    """`name` is the step id, variable, run field, loop field or connection name; `path`
    walks into the value (numeric segments index lists)."""

    kind: ReferenceKind
    name: str
    path: tuple[str | int, ...] = ()
    text: str


class ReferenceSyntaxError(ValueError):
    """A `{{__...}}` expression that names nothing flowauto knows."""


def parse_reference(expression: str) -> Reference:
    """Parses the inside of `{{ }}` (starting with `__`); raises ReferenceSyntaxError."""
    head, *rest = expression[2:].split(".")
    path = tuple(int(part) if part.isdigit() else part for part in rest)
    if any(part == "" for part in rest) or not head:
        raise ReferenceSyntaxError(f"{{{{{expression}}}}} has an empty segment")
    kind = _kind_of(head)
    if kind is ReferenceKind.STEP:
        return Reference(kind=kind, name=head, path=path, text=expression)
    if not path:
        raise ReferenceSyntaxError(f"{{{{{expression}}}}} needs a name after __{head}")
    name, path = str(path[0]), path[1:]
    _check_named(kind, name, path, expression)
    return Reference(kind=kind, name=name, path=path, text=expression)


def exact_reference(value: object) -> Reference | None:
    """The reference a value is exactly, or None (also for malformed expressions)."""
    if not isinstance(value, str):
        return None
    match = _EXACT.match(value)
    if match is None:
        return None
    try:
        return parse_reference(match.group(1))
    except ReferenceSyntaxError:
        return None


def is_exact_reference(value: object) -> bool:
    return isinstance(value, str) and _EXACT.match(value) is not None


def find_references(value: Any) -> list[Reference]:
    """Every reference in a parameter value, walking nested lists and objects.

    Raises ReferenceSyntaxError for a malformed `{{__...}}` expression.
    """
    if isinstance(value, str):
        return [parse_reference(match.group(1)) for match in _EMBEDDED.finditer(value)]
    if isinstance(value, Mapping):
        return [ref for item in value.values() for ref in find_references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in find_references(item)]
    return []


def _kind_of(head: str) -> ReferenceKind:
    for kind in (ReferenceKind.VARS, ReferenceKind.RUN, ReferenceKind.LOOP, ReferenceKind.SECRETS):
        if head == kind.value:
            return kind
    return ReferenceKind.STEP


def _check_named(
    kind: ReferenceKind, name: str, path: tuple[str | int, ...], expression: str
) -> None:
    if kind is ReferenceKind.RUN and (name not in _RUN_FIELDS or path):
        raise ReferenceSyntaxError(f"{{{{{expression}}}}}: __run offers only id and dag_id")
    if kind is ReferenceKind.LOOP and name not in _LOOP_FIELDS:
        raise ReferenceSyntaxError(f"{{{{{expression}}}}}: __loop offers only item and index")
    if kind is ReferenceKind.SECRETS and len(path) != 1:
        raise ReferenceSyntaxError(f"{{{{{expression}}}}}: write __secrets.<connection name>.<key>")
