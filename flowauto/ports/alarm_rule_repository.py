"""Where alarm rules are kept."""

from __future__ import annotations

from typing import Protocol

from flowauto.domain.alarm import AlarmRule, AlarmRuleQuery
from flowauto.domain.paging import Page


class AlarmRuleRepository(Protocol):
    """Rules are scoped by business domain: nothing here crosses one."""

    async def add(self, rule: AlarmRule) -> None:
        """Stores a new rule; raises ConflictError when the id exists."""
        ...

    async def get(self, biz_domain_id: str, rule_id: str) -> AlarmRule | None:
        """Returns the rule, or None when absent or in another domain."""
        ...

    async def find(self, query: AlarmRuleQuery) -> Page[AlarmRule]:
        """Returns one page of the domain's rules, oldest first, ties by id."""
        ...

    async def watching(self, biz_domain_id: str, dag_id: str) -> tuple[AlarmRule, ...]:
        """Returns every rule of the domain whose `dag_ids` hold `dag_id` (any order)."""
        ...

    async def update(self, rule: AlarmRule) -> bool:
        """Replaces the stored rule of the same id and domain (the last write wins); returns
        False when there is none."""
        ...

    async def delete(self, biz_domain_id: str, rule_id: str) -> bool:
        """Removes the rule; returns False when there was none."""
        ...
