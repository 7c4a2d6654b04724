"""Where operator switches are kept (the SQL store, so every replica sees them)."""

from __future__ import annotations

from typing import Protocol

from flowauto.domain.switch import Switch


class SwitchRepository(Protocol):
    async def get(self, name: str) -> Switch | None:
        """Returns the switch, or None when it was never set (off)."""
        ...

    async def put(self, switch: Switch) -> None:
        """Stores the switch, replacing any earlier state."""
        ...
