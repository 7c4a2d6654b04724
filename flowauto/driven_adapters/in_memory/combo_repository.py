"""Dict-backed combo operators for unit tests and `build_in_memory()`."""

from __future__ import annotations

from flowauto.domain.combo import ComboOperator
from flowauto.domain.errors import ComboKeyTakenError
from flowauto.ports.combo_repository import ComboRepository


class InMemoryComboRepository(ComboRepository):
    def __init__(self) -> None:
        self._combos: dict[tuple[str, str], ComboOperator] = {}

    async def add(self, combo: ComboOperator) -> None:
        if (combo.biz_domain_id, combo.key) in self._combos:
            raise ComboKeyTakenError(combo.key)
        self._combos[(combo.biz_domain_id, combo.key)] = combo

    async def get_by_key(self, biz_domain_id: str, key: str) -> ComboOperator | None:
        return self._combos.get((biz_domain_id, key))

    async def list(self, biz_domain_id: str) -> list[ComboOperator]:
        found = [combo for (domain, _), combo in self._combos.items() if domain == biz_domain_id]
        return sorted(found, key=lambda combo: combo.key)
