"""AlarmRuleRepository on SQLAlchemy Core (SQLite, MySQL/MariaDB): one row of `alarm_rules`
per rule, its DAG ids, events and channels as JSON text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.domain.alarm import AlarmEvent, AlarmRule, AlarmRuleQuery, Channel, ChannelType
from flowauto.domain.errors import ConflictError
from flowauto.domain.paging import Page
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.tables import alarm_rules
from flowauto.ports.alarm_rule_repository import AlarmRuleRepository

_rules = alarm_rules


class SqlAlarmRuleRepository(AlarmRuleRepository):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, rule: AlarmRule) -> None:
        try:
            async with transaction(self._engine) as db:
                await db.execute(_rules.insert().values(_row(rule)))
        except IntegrityError as error:
            raise ConflictError(
                f"alarm rule {rule.id} already exists", detail={"id": rule.id}
            ) from error

    async def get(self, biz_domain_id: str, rule_id: str) -> AlarmRule | None:
        statement = select(_rules).where(
            _rules.c.biz_domain_id == biz_domain_id, _rules.c.id == rule_id
        )
        async with reading(self._engine) as db:
            row = (await db.execute(statement)).mappings().first()
        return None if row is None else _from_row(row)

    async def find(self, query: AlarmRuleQuery) -> Page[AlarmRule]:
        in_domain = _rules.c.biz_domain_id == query.biz_domain_id
        page = (
            select(_rules)
            .where(in_domain)
            .order_by(_rules.c.created_at, _rules.c.id)
            .limit(query.limit)
            .offset(query.page * query.limit)
        )
        async with reading(self._engine) as db:
            total = await db.scalar(select(func.count()).select_from(_rules).where(in_domain))
            rows = (await db.execute(page)).mappings().all()
        return Page(
            total=int(total or 0),
            page=query.page,
            limit=query.limit,
            items=tuple(_from_row(row) for row in rows),
        )

    async def watching(self, biz_domain_id: str, dag_id: str) -> tuple[AlarmRule, ...]:
        # The LIKE on the JSON text narrows the rows without a JSON function (SQLite and
        # MariaDB spell those differently); the exact test is the one in Python below, since
        # MariaDB's LIKE ignores case.
        quoted = json.dumps(dag_id, ensure_ascii=False)
        statement = select(_rules).where(
            _rules.c.biz_domain_id == biz_domain_id,
            _rules.c.dag_ids.contains(quoted, autoescape=True),
        )
        async with reading(self._engine) as db:
            rows = (await db.execute(statement)).mappings().all()
        rules = (_from_row(row) for row in rows)
        return tuple(rule for rule in rules if dag_id in rule.dag_ids)

    async def update(self, rule: AlarmRule) -> bool:
        statement = (
            _rules.update()
            .where(_rules.c.biz_domain_id == rule.biz_domain_id, _rules.c.id == rule.id)
            .values({k: v for k, v in _row(rule).items() if k != "id"})
        )
        # The MySQL dialects count matched rows (CLIENT_FOUND_ROWS), so an update that
        # changes nothing still reports the rule as found.
        async with transaction(self._engine) as db:
            result = await db.execute(statement)
        return result.rowcount == 1

    async def delete(self, biz_domain_id: str, rule_id: str) -> bool:
        statement = _rules.delete().where(
            _rules.c.biz_domain_id == biz_domain_id, _rules.c.id == rule_id
        )
        async with transaction(self._engine) as db:
            result = await db.execute(statement)
        return result.rowcount == 1


def _row(rule: AlarmRule) -> dict[str, Any]:
    channels = [{"type": c.type.value, "target": c.target} for c in rule.channels]
    return {
        "id": rule.id,
        "biz_domain_id": rule.biz_domain_id,
        "name": rule.name,
        "dag_ids": _json(list(rule.dag_ids)),
        "on_events": _json([event.value for event in rule.on]),
        "channels": _json(channels),
        "userid": rule.userid,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def _from_row(row: Mapping[Any, Any]) -> AlarmRule:
    return AlarmRule(
        id=row["id"],
        biz_domain_id=row["biz_domain_id"],
        name=row["name"],
        dag_ids=tuple(json.loads(row["dag_ids"])),
        on=tuple(AlarmEvent(value) for value in json.loads(row["on_events"])),
        channels=tuple(
            Channel(type=ChannelType(c["type"]), target=c["target"])
            for c in json.loads(row["channels"])
        ),
        userid=row["userid"],
        created_at=int(row["created_at"]),
        updated_at=int(row["updated_at"]),
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
