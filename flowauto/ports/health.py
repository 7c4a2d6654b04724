"""Readiness of the stores a process depends on."""

from __future__ import annotations

from typing import Protocol


class HealthCheck(Protocol):
    """A named dependency that can say whether it answers."""

    name: str

    async def ping(self) -> None:
        """Returns when the dependency answers; raises UnavailableError (or any error) if not."""
        ...
