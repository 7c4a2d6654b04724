"""The AlarmRuleRepository contract, the same for the fake and every SQL store."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest

from flowauto.domain.alarm import AlarmEvent, AlarmRule, AlarmRuleQuery, Channel, ChannelType
from flowauto.domain.errors import ConflictError
from flowauto.driven_adapters.in_memory.alarm_rule_repository import (
    InMemoryAlarmRuleRepository,
)
from flowauto.driven_adapters.sql.alarm_rule_repository import SqlAlarmRuleRepository
from flowauto.ports.alarm_rule_repository import AlarmRuleRepository
from tests.contract.conftest import SQL_STORE_BACKENDS, sql_store_backend

_ids = itertools.count(3_000_000_000_000_000_000)


@pytest.fixture(params=SQL_STORE_BACKENDS)
def alarm_rule_repository(request: pytest.FixtureRequest) -> AlarmRuleRepository:
    return sql_store_backend(request, InMemoryAlarmRuleRepository, SqlAlarmRuleRepository)


def make_rule(**overrides: Any) -> AlarmRule:
    fields: dict[str, Any] = {
        "id": str(next(_ids)),
        "biz_domain_id": "default",
        "name": "ops on failure",
        "dag_ids": ("1001",),
        "on": (AlarmEvent.FAILED,),
        "channels": (Channel(type=ChannelType.EMAIL, target="ops@example.com"),),
        "userid": "u1",
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_000,
    }
    fields.update(overrides)
    return AlarmRule(**fields)


async def test_a_stored_rule_reads_back_equal(alarm_rule_repository: AlarmRuleRepository) -> None:
    rule = make_rule(
        name="Nächtliche Läufe ✓",
        dag_ids=("1001", "1002"),
        on=(AlarmEvent.TIMEOUT, AlarmEvent.FAILED, AlarmEvent.CANCELED),
        channels=(
            Channel(type=ChannelType.WEBHOOK, target="https://hooks.example.com/a?x=1&y=ü"),
            Channel(type=ChannelType.EMAIL, target="ops@example.com"),
        ),
    )
    await alarm_rule_repository.add(rule)

    assert await alarm_rule_repository.get("default", rule.id) == rule


async def test_nothing_crosses_business_domains(
    alarm_rule_repository: AlarmRuleRepository,
) -> None:
    rule = make_rule(biz_domain_id="bd-a")
    await alarm_rule_repository.add(rule)

    assert await alarm_rule_repository.get("bd-b", rule.id) is None
    assert await alarm_rule_repository.watching("bd-b", "1001") == ()
    assert (await alarm_rule_repository.find(AlarmRuleQuery(biz_domain_id="bd-b"))).total == 0
    assert not await alarm_rule_repository.update(dataclasses.replace(rule, biz_domain_id="bd-b"))
    assert not await alarm_rule_repository.delete("bd-b", rule.id)
    assert await alarm_rule_repository.get("bd-a", rule.id) == rule


async def test_adding_an_existing_id_conflicts(alarm_rule_repository: AlarmRuleRepository) -> None:
    rule = make_rule()
    await alarm_rule_repository.add(rule)

    with pytest.raises(ConflictError):
        await alarm_rule_repository.add(dataclasses.replace(rule, name="again"))


async def test_watching_finds_exactly_the_rules_naming_the_dag(
    alarm_rule_repository: AlarmRuleRepository,
) -> None:
    both = make_rule(dag_ids=("1001", "2002"))
    first = make_rule(dag_ids=("1001",))
    # Ids that contain, or are contained in, the watched id must not match.
    longer = make_rule(dag_ids=("10011", "91001"))
    shorter = make_rule(dag_ids=("100",))
    # LIKE wildcards in an id are matched literally.
    wild = make_rule(dag_ids=("10%1", "1_01"))
    for rule in (both, first, longer, shorter, wild):
        await alarm_rule_repository.add(rule)

    assert _ids_of(await alarm_rule_repository.watching("default", "1001")) == {both.id, first.id}
    assert _ids_of(await alarm_rule_repository.watching("default", "2002")) == {both.id}
    assert _ids_of(await alarm_rule_repository.watching("default", "10%1")) == {wild.id}
    assert await alarm_rule_repository.watching("default", "3003") == ()


async def test_watching_compares_ids_exactly_not_ignoring_case(
    alarm_rule_repository: AlarmRuleRepository,
) -> None:
    rule = make_rule(dag_ids=("dag-A",))
    await alarm_rule_repository.add(rule)

    assert _ids_of(await alarm_rule_repository.watching("default", "dag-A")) == {rule.id}
    assert await alarm_rule_repository.watching("default", "dag-a") == ()


async def test_update_replaces_the_rule_and_reports_absence(
    alarm_rule_repository: AlarmRuleRepository,
) -> None:
    rule = make_rule()
    await alarm_rule_repository.add(rule)
    changed = dataclasses.replace(
        rule,
        name="renamed",
        dag_ids=("2002",),
        on=(AlarmEvent.CANCELED,),
        channels=(Channel(type=ChannelType.WEBHOOK, target="http://hooks.example.com/x"),),
        updated_at=rule.updated_at + 5,
    )

    assert await alarm_rule_repository.update(changed)
    assert await alarm_rule_repository.get("default", rule.id) == changed
    assert await alarm_rule_repository.watching("default", "1001") == ()
    assert not await alarm_rule_repository.update(make_rule())


async def test_an_update_that_changes_nothing_still_finds_the_rule(
    alarm_rule_repository: AlarmRuleRepository,
) -> None:
    # MySQL reports changed rows unless asked for matched ones: this must not read as absent.
    rule = make_rule()
    await alarm_rule_repository.add(rule)

    assert await alarm_rule_repository.update(rule)


async def test_find_pages_oldest_first(alarm_rule_repository: AlarmRuleRepository) -> None:
    rules = [make_rule(created_at=1_700_000_000 + n % 3) for n in range(7)]
    for rule in reversed(rules):
        await alarm_rule_repository.add(rule)
    await alarm_rule_repository.add(make_rule(biz_domain_id="other"))
    expected = sorted(rules, key=lambda r: (r.created_at, r.id))

    pages = [
        await alarm_rule_repository.find(AlarmRuleQuery(biz_domain_id="default", page=n, limit=3))
        for n in range(3)
    ]

    assert [page.total for page in pages] == [7, 7, 7]
    assert [rule for page in pages for rule in page.items] == expected
    assert (pages[2].page, pages[2].limit, len(pages[2].items)) == (2, 3, 1)


async def test_delete_removes_the_rule_once(alarm_rule_repository: AlarmRuleRepository) -> None:
    rule = make_rule()
    await alarm_rule_repository.add(rule)

    assert await alarm_rule_repository.delete("default", rule.id)
    assert not await alarm_rule_repository.delete("default", rule.id)
    assert await alarm_rule_repository.get("default", rule.id) is None
    assert await alarm_rule_repository.watching("default", "1001") == ()


def _ids_of(rules: tuple[AlarmRule, ...]) -> set[str]:
    return {rule.id for rule in rules}
