"""Dict-backed switches for unit tests and `build_in_memory()`."""

from __future__ import annotations

from flowauto.domain.switch import Switch
from flowauto.ports.switch_repository import SwitchRepository


class InMemorySwitchRepository(SwitchRepository):
    def __init__(self) -> None:
        self._switches: dict[str, Switch] = {}

    async def get(self, name: str) -> Switch | None:
        return self._switches.get(name)

    async def put(self, switch: Switch) -> None:
        self._switches[switch.name] = switch
