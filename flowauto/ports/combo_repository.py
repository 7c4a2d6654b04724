"""Where combo operators are kept (the SQL store)."""

from __future__ import annotations

from typing import Protocol

from flowauto.domain.combo import ComboOperator


class ComboRepository(Protocol):
    async def add(self, combo: ComboOperator) -> None:
        """Stores it; raises ComboKeyTakenError when the domain has the key already."""
        ...

    async def get_by_key(self, biz_domain_id: str, key: str) -> ComboOperator | None:
        """Returns the combo with this key, or None."""
        ...

    async def list(self, biz_domain_id: str) -> list[ComboOperator]:
        """Returns the domain's combos by key."""
        ...
