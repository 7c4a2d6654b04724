"""Running a user's Python code (the `@internal/tool/py3` operator) away from the server."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeCall:
    """`code` defines `main(**inputs)`; its returned mapping is picked by `output_names`
    (all of it when empty)."""

    code: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    output_names: tuple[str, ...] = ()


class CodeRunner(Protocol):
    async def run(self, call: CodeCall) -> dict[str, Any]:
        """Runs the code in a separate, limited process and returns its outputs; raises
        StepFailure naming the reason (an exception in the code, a limit hit, bad outputs).
        Cancelling the awaiting task kills the process."""
        ...
