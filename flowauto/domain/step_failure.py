"""Why a step failed, as a value the engine records on the task instance."""

from __future__ import annotations


class StepFailure(Exception):  # noqa: N818 (an outcome of a step, not a bug)
    """An operator could not produce outputs; `reason` is shown to users as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
