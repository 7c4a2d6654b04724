"""Offline DAG validation (`flowauto dag validate`): the checks the server makes when a DAG is
created, through the same code (the create body's shape, then `DagService.check`), so a file
that passes here is refused by a server only for what only the server knows.

What only the server knows: custom actions and combo operators are registered there. Offline
they are taken on trust (any name under `@custom/` or `@combo/`, any parameters); every other
rule about the steps around them still applies.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from typing import Any

import msgspec

from flowauto.application.dag_commands import DagDraft
from flowauto.application.dag_service import DagService
from flowauto.domain.combo import combo_key
from flowauto.domain.dag import Step, walk_steps
from flowauto.domain.errors import DocumentTooLargeError, FieldInvalidError
from flowauto.domain.executor import split_operator
from flowauto.domain.identity import Identity
from flowauto.domain.ids import IdGenerator
from flowauto.domain.operator_catalog import (
    OperatorCatalog,
    OperatorKind,
    OperatorSpec,
    ParamSpec,
    ParamType,
)
from flowauto.driven_adapters.in_memory.dag_repository import InMemoryDagRepository
from flowauto.driven_adapters.system_clock import SystemClock
from flowauto.driver_adapters.http.public.dag_schemas import DagCreateBody

MAX_DOCUMENT_BYTES = 1024 * 1024
"""SPEC section 1: a document is at most 1 MiB (the server's default body limit; a server
may be configured to take more)."""
_OFFLINE_CALLER = Identity(user_id="flowauto-cli")
_AT_PATH = re.compile(r"^(?P<reason>.*?) - at `\$\.?(?P<path>[^`]*)`$")
_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `(?P<name>[^`]+)`")


def check_document(document: Mapping[str, Any]) -> list[str]:
    """Raises the DomainError the server would answer (400, 413 or 422) for the first broken
    rule; returns the registered operators taken on trust, sorted."""
    _check_size(document)
    draft = _draft_of(document)
    trusted = _registered_operator_specs(draft.steps)
    clock = SystemClock()
    service = DagService(
        # check() reads no DAG: the repository only completes the service.
        repository=InMemoryDagRepository(),
        catalog=OperatorCatalog.built_in().with_extra(trusted),
        ids=IdGenerator(0, clock.now_ms),
        clock=clock,
    )
    asyncio.run(service.check(_OFFLINE_CALLER, draft))
    return sorted(spec.name for spec in trusted)


def _check_size(document: Mapping[str, Any]) -> None:
    size = len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentTooLargeError(size, MAX_DOCUMENT_BYTES)


def _draft_of(document: Mapping[str, Any]) -> DagDraft:
    try:
        body = msgspec.convert(document, DagCreateBody)
    except msgspec.ValidationError as error:
        raise _field_error(str(error)) from None
    return body.to_draft()


def _field_error(problem: str) -> FieldInvalidError:
    """msgspec's problem worded as the server words it: `<field>: <reason>`."""
    at_path = _AT_PATH.match(problem)
    reason, path = (at_path["reason"], at_path["path"]) if at_path else (problem, "")
    named = _NAMED_FIELD.search(reason)
    if named:
        path = f"{path}.{named['name']}" if path else named["name"]
    return FieldInvalidError(path or "body", reason)


def _registered_operator_specs(steps: tuple[Step, ...]) -> list[OperatorSpec]:
    """A permissive action spec for each custom or combo operator used, accepting the
    parameters the document gives it."""
    built_in = OperatorCatalog.built_in()
    parameters: dict[str, set[str]] = {}
    for step in walk_steps(steps):
        used = [(step.operator, step.parameters)]
        if step.data_source is not None:
            used.append((step.data_source.operator, step.data_source.parameters))
        for operator, given in used:
            if _is_registered(operator) and built_in.get(operator) is None:
                parameters.setdefault(operator, set()).update(given)
    return [
        OperatorSpec(
            name=operator,
            kind=OperatorKind.ACTION,
            title=operator,
            params=tuple(ParamSpec(name=name, type=ParamType.ANY) for name in sorted(names)),
        )
        for operator, names in parameters.items()
    ]


def _is_registered(operator: str) -> bool:
    return split_operator(operator) is not None or combo_key(operator) is not None
