"""The AuditLog contract, the same for the fake and every SQL store."""

from __future__ import annotations

from typing import Any

import pytest

from flowauto.domain.audit import AuditEntry, AuditQuery
from flowauto.driven_adapters.in_memory.audit_log import InMemoryAuditLog
from flowauto.driven_adapters.sql.audit_log import SqlAuditLog
from flowauto.ports.audit_log import AuditLog
from tests.contract.conftest import SQL_STORE_BACKENDS, sql_store_backend


@pytest.fixture(params=SQL_STORE_BACKENDS)
def audit_log(request: pytest.FixtureRequest) -> AuditLog:
    return sql_store_backend(request, InMemoryAuditLog, SqlAuditLog)


def entry(**overrides: Any) -> AuditEntry:
    fields: dict[str, Any] = {
        "at": 1_700_000_000_000,
        "user": "ann",
        "biz_domain": "default",
        "action": "dag.update",
        "object_type": "dag",
        "object_id": "1001",
        "detail": {"method": "PUT", "status": 204},
    }
    return AuditEntry(**(fields | overrides))


async def test_an_appended_entry_is_found_as_stored(audit_log: AuditLog) -> None:
    stored = entry(detail={"method": "DELETE", "ids": ["1", "2"], "note": "ünïcode"})
    await audit_log.append([stored])
    found = await audit_log.find(AuditQuery(biz_domain="default"))
    assert found.total == 1
    assert found.items == (stored,)


async def test_entries_come_newest_first_and_page(audit_log: AuditLog) -> None:
    await audit_log.append([entry(at=1000 + n, object_id=str(n)) for n in range(5)])
    await audit_log.append([entry(at=1004, object_id="same-ms-later")])
    first = await audit_log.find(AuditQuery(biz_domain="default", limit=2))
    second = await audit_log.find(AuditQuery(biz_domain="default", page=1, limit=2))
    assert first.total == 6
    assert [one.object_id for one in first.items] == ["same-ms-later", "4"]
    assert [one.object_id for one in second.items] == ["3", "2"]


async def test_nothing_crosses_business_domains(audit_log: AuditLog) -> None:
    await audit_log.append([entry(biz_domain="sales"), entry(biz_domain="ops")])
    found = await audit_log.find(AuditQuery(biz_domain="ops"))
    assert [one.biz_domain for one in found.items] == ["ops"]


async def test_filters_narrow_by_equality_and_time(audit_log: AuditLog) -> None:
    await audit_log.append(
        [
            entry(at=10, user="ann", action="dag.create"),
            entry(at=20, user="bob", action="run.cancel", object_type="run", object_id="77"),
            entry(at=30, user="bob", action="dag.delete"),
        ]
    )

    async def ids(**filters: Any) -> list[int]:
        found = await audit_log.find(AuditQuery(biz_domain="default", **filters))
        return [one.at for one in found.items]

    assert await ids(user="bob") == [30, 20]
    assert await ids(action="dag.create") == [10]
    assert await ids(object_type="run") == [20]
    assert await ids(object_id="77") == [20]
    assert await ids(since=20) == [30, 20]
    assert await ids(until=20) == [20, 10]
    assert await ids(user="bob", since=25) == [30]
    assert await ids(user="nobody") == []


async def test_appending_nothing_is_fine(audit_log: AuditLog) -> None:
    await audit_log.append([])
    assert (await audit_log.find(AuditQuery(biz_domain="default"))).total == 0
