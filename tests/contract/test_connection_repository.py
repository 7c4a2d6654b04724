"""The ConnectionRepository contract, the same for the fake and every SQL store."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from typing import Any

import pytest

from flowauto.domain.connection import Connection, ConnectionQuery, ConnectionType
from flowauto.domain.errors import (
    ConflictError,
    ConnectionNameTakenError,
    ConnectionRevisionConflictError,
)
from flowauto.driven_adapters.in_memory.connection_repository import (
    InMemoryConnectionRepository,
)
from flowauto.driven_adapters.sql.connection_repository import SqlConnectionRepository
from flowauto.ports.connection_repository import ConnectionRepository
from tests.contract.conftest import SQL_STORE_BACKENDS, sql_store_backend

_ids = itertools.count(2_000_000_000_000_000_000)


@pytest.fixture(params=SQL_STORE_BACKENDS)
def connection_repository(request: pytest.FixtureRequest) -> ConnectionRepository:
    return sql_store_backend(request, InMemoryConnectionRepository, SqlConnectionRepository)


def make_connection(**overrides: Any) -> Connection:
    connection_id = overrides.pop("id", None) or str(next(_ids))
    fields: dict[str, Any] = {
        "id": connection_id,
        "biz_domain_id": "default",
        "name": f"conn-{connection_id}",
        "type": ConnectionType.HTTP,
        "config": {"base_url": "https://example.com"},
        "userid": "u1",
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_000,
    }
    fields.update(overrides)
    return Connection(**fields)


def token(text: str) -> bytes:
    """Stands in for an encrypted secret: the repository stores bytes it cannot read."""
    return b"\x00\xff" + text.encode()


async def test_a_stored_connection_reads_back_equal(
    connection_repository: ConnectionRepository,
) -> None:
    connection = make_connection(
        name="Billing_API-2",
        type=ConnectionType.MYSQL,
        config={"host": "db", "port": 3306, "options": {"ssl": True, "tags": ["a", "ü"]}},
        secret_keys=("password", "user"),
    )
    await connection_repository.add(connection, {"user": token("u"), "password": token("p")})

    assert await connection_repository.get("default", connection.id) == connection
    assert await connection_repository.get_by_name("default", "Billing_API-2") == connection


async def test_encrypted_secrets_come_back_as_stored(
    connection_repository: ConnectionRepository,
) -> None:
    with_secrets = make_connection(name="with", secret_keys=("a", "b"))
    without = make_connection(name="without")
    await connection_repository.add(with_secrets, {"a": token("1"), "b": token("2")})
    await connection_repository.add(without, {})

    assert await connection_repository.encrypted_secrets("default", "with") == {
        "a": token("1"),
        "b": token("2"),
    }
    assert await connection_repository.encrypted_secrets("default", "without") == {}
    assert await connection_repository.encrypted_secrets("default", "nobody") is None


async def test_nothing_crosses_business_domains(
    connection_repository: ConnectionRepository,
) -> None:
    connection = make_connection(biz_domain_id="d-a", name="shared", secret_keys=("k",))
    await connection_repository.add(connection, {"k": token("v")})

    assert await connection_repository.get("d-b", connection.id) is None
    assert await connection_repository.get_by_name("d-b", "shared") is None
    assert await connection_repository.encrypted_secrets("d-b", "shared") is None
    assert (await connection_repository.find(ConnectionQuery(biz_domain_id="d-b"))).total == 0
    assert await connection_repository.delete("d-b", connection.id) is False
    assert await connection_repository.get("d-a", connection.id) == connection


async def test_a_name_is_unique_within_a_domain_and_case_sensitive(
    connection_repository: ConnectionRepository,
) -> None:
    await connection_repository.add(make_connection(name="api"), {})

    with pytest.raises(ConnectionNameTakenError):
        await connection_repository.add(make_connection(name="api"), {})
    await connection_repository.add(make_connection(name="api", biz_domain_id="other"), {})
    await connection_repository.add(make_connection(name="API"), {})
    assert (await connection_repository.find(ConnectionQuery(biz_domain_id="default"))).total == 2


async def test_adding_an_existing_id_conflicts(
    connection_repository: ConnectionRepository,
) -> None:
    connection = make_connection()
    await connection_repository.add(connection, {})

    with pytest.raises(ConflictError) as raised:
        await connection_repository.add(dataclasses.replace(connection, name="another"), {})
    assert not isinstance(raised.value, ConnectionNameTakenError)


async def test_update_compares_and_sets_on_the_revision(
    connection_repository: ConnectionRepository,
) -> None:
    connection = make_connection()
    await connection_repository.add(connection, {})
    changed = dataclasses.replace(
        connection, config={"base_url": "https://b.example"}, revision=2, updated_at=1_700_000_100
    )

    await connection_repository.update(changed, None)

    assert await connection_repository.get("default", connection.id) == changed
    with pytest.raises(ConnectionRevisionConflictError):
        await connection_repository.update(changed, None)
    with pytest.raises(ConnectionRevisionConflictError):
        await connection_repository.update(make_connection(revision=2), None)


async def test_update_keeps_secrets_when_none_and_replaces_the_set_when_given(
    connection_repository: ConnectionRepository,
) -> None:
    connection = make_connection(name="c", secret_keys=("a", "b"))
    await connection_repository.add(connection, {"a": token("1"), "b": token("2")})

    kept = dataclasses.replace(connection, revision=2)
    await connection_repository.update(kept, None)
    assert await connection_repository.encrypted_secrets("default", "c") == {
        "a": token("1"),
        "b": token("2"),
    }

    replaced = dataclasses.replace(connection, revision=3, secret_keys=("c",))
    await connection_repository.update(replaced, {"c": token("3")})
    assert await connection_repository.encrypted_secrets("default", "c") == {"c": token("3")}
    assert await connection_repository.get("default", connection.id) == replaced

    cleared = dataclasses.replace(connection, revision=4, secret_keys=())
    await connection_repository.update(cleared, {})
    assert await connection_repository.encrypted_secrets("default", "c") == {}
    assert await connection_repository.get("default", connection.id) == cleared


async def test_update_refuses_a_name_another_connection_has(
    connection_repository: ConnectionRepository,
) -> None:
    first, second = make_connection(name="first"), make_connection(name="second")
    for connection in (first, second):
        await connection_repository.add(connection, {})

    with pytest.raises(ConnectionNameTakenError):
        await connection_repository.update(
            dataclasses.replace(second, name="first", revision=2), None
        )
    renamed = dataclasses.replace(first, name="renamed", revision=2)
    await connection_repository.update(renamed, None)
    await connection_repository.add(make_connection(name="first"), {})
    assert await connection_repository.get_by_name("default", "renamed") == renamed


async def test_find_pages_sorted_by_name(connection_repository: ConnectionRepository) -> None:
    names = ["delta", "Alpha", "charlie", "bravo", "echo"]
    for name in names:
        await connection_repository.add(
            make_connection(name=name, secret_keys=("k",)), {"k": token(name)}
        )
    await connection_repository.add(make_connection(name="zulu", biz_domain_id="other"), {})

    first = await connection_repository.find(ConnectionQuery(biz_domain_id="default", limit=2))
    last = await connection_repository.find(
        ConnectionQuery(biz_domain_id="default", page=2, limit=2)
    )

    assert (first.total, first.page, first.limit) == (5, 0, 2)
    assert [c.name for c in first.items] == ["Alpha", "bravo"]
    assert [c.name for c in last.items] == ["echo"]
    assert all(c.secret_keys == ("k",) for c in first.items)


async def test_delete_removes_the_connection_and_its_secrets(
    connection_repository: ConnectionRepository,
) -> None:
    connection = make_connection(name="gone", secret_keys=("k",))
    await connection_repository.add(connection, {"k": token("v")})

    assert await connection_repository.delete("default", connection.id) is True
    assert await connection_repository.delete("default", connection.id) is False
    assert await connection_repository.get("default", connection.id) is None
    assert await connection_repository.encrypted_secrets("default", "gone") is None
    reborn = make_connection(name="gone")
    await connection_repository.add(reborn, {})
    assert await connection_repository.encrypted_secrets("default", "gone") == {}


async def test_concurrent_updates_of_one_revision_let_exactly_one_win(
    connection_repository: ConnectionRepository,
) -> None:
    connection = make_connection()
    await connection_repository.add(connection, {})
    updates = [dataclasses.replace(connection, config={"n": n}, revision=2) for n in range(2)]

    results = await asyncio.gather(
        *(connection_repository.update(u, {"k": token(str(i))}) for i, u in enumerate(updates)),
        return_exceptions=True,
    )

    assert sum(isinstance(r, ConnectionRevisionConflictError) for r in results) == 1
    stored = await connection_repository.get("default", connection.id)
    assert stored is not None
    assert stored.revision == 2
