"""Time, behind a port so use cases can be tested at fixed instants."""

from __future__ import annotations

from typing import Protocol


class Clock(Protocol):
    def now(self) -> int:
        """Returns the current Unix time in seconds."""
        ...

    def now_ms(self) -> int:
        """Returns the current Unix time in milliseconds."""
        ...
