"""A dict-backed AlarmRuleRepository for unit tests and `build_in_memory()`."""

from __future__ import annotations

from flowauto.domain.alarm import AlarmRule, AlarmRuleQuery
from flowauto.domain.errors import ConflictError
from flowauto.domain.paging import Page
from flowauto.ports.alarm_rule_repository import AlarmRuleRepository


class InMemoryAlarmRuleRepository(AlarmRuleRepository):
    # No method suspends: each is atomic on the event loop. Rules are frozen and hold only
    # tuples, so storing the given object cannot let a caller change what is stored.

    def __init__(self) -> None:
        self._rules: dict[str, AlarmRule] = {}

    async def add(self, rule: AlarmRule) -> None:
        if rule.id in self._rules:
            raise ConflictError(f"alarm rule {rule.id} already exists", detail={"id": rule.id})
        self._rules[rule.id] = rule

    async def get(self, biz_domain_id: str, rule_id: str) -> AlarmRule | None:
        return self._get(biz_domain_id, rule_id)

    async def find(self, query: AlarmRuleQuery) -> Page[AlarmRule]:
        matching = sorted(self._in_domain(query.biz_domain_id), key=lambda r: (r.created_at, r.id))
        start = query.page * query.limit
        return Page(
            total=len(matching),
            page=query.page,
            limit=query.limit,
            items=tuple(matching[start : start + query.limit]),
        )

    async def watching(self, biz_domain_id: str, dag_id: str) -> tuple[AlarmRule, ...]:
        return tuple(r for r in self._in_domain(biz_domain_id) if dag_id in r.dag_ids)

    async def update(self, rule: AlarmRule) -> bool:
        if self._get(rule.biz_domain_id, rule.id) is None:
            return False
        self._rules[rule.id] = rule
        return True

    async def delete(self, biz_domain_id: str, rule_id: str) -> bool:
        if self._get(biz_domain_id, rule_id) is None:
            return False
        del self._rules[rule_id]
        return True

    def _get(self, biz_domain_id: str, rule_id: str) -> AlarmRule | None:
        rule = self._rules.get(rule_id)
        if rule is None or rule.biz_domain_id != biz_domain_id:
            return None
        return rule

    def _in_domain(self, biz_domain_id: str) -> list[AlarmRule]:
        return [r for r in self._rules.values() if r.biz_domain_id == biz_domain_id]
