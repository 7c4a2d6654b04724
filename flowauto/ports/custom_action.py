"""Actions beyond the built-ins (custom executors' actions): run now, or answer later through
the per-task callback (`PUT /tasks/{id}/results` with the ticket's token)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackTicket:
    """What an action needs to answer later: the task and a secret only it receives; and
    whose run it is."""

    task_id: str
    token: str
    run_id: str = ""
    biz_domain_id: str = ""


class CustomActions(Protocol):
    def handles(self, operator: str) -> bool:
        """True for the operators these actions run."""
        ...

    async def run(
        self, operator: str, parameters: Mapping[str, Any], ticket: CallbackTicket
    ) -> Mapping[str, Any] | None:
        """Returns the outputs, or None when the action will answer through the callback;
        raises StepFailure with the reason when it fails."""
        ...
