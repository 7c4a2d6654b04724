"""The executor repository contract on the fake, SQLite and MariaDB."""

from __future__ import annotations

import dataclasses

import pytest

from flowauto.domain.dag import Accessor, AccessorType
from flowauto.domain.errors import ConflictError, ExecutorKeyTakenError
from flowauto.domain.executor import Action, ActionMode, AuthType, Executor
from flowauto.driven_adapters.in_memory.executor_repository import InMemoryExecutorRepository
from flowauto.driven_adapters.sql.executor_repository import SqlExecutorRepository
from flowauto.ports.executor_repository import ExecutorRepository
from tests.builders import next_id
from tests.contract.conftest import SQL_STORE_BACKENDS, sql_store_backend


@pytest.fixture(params=SQL_STORE_BACKENDS)
def executor_repository(request: pytest.FixtureRequest) -> ExecutorRepository:
    return sql_store_backend(request, InMemoryExecutorRepository, SqlExecutorRepository)


def make_executor(key: str = "echo", **overrides: object) -> Executor:
    action = Action(
        id=next_id(), key="upper", name="Upper", path="/upper", mode=ActionMode.ASYNC,
        input_schema={"type": "object", "properties": {"text": {"type": "string"}}},
        timeout_ms=5000,
    )  # fmt: skip
    fields: dict[str, object] = {
        "id": next_id(), "biz_domain_id": "default", "key": key, "name": "Echo",
        "base_url": "http://127.0.0.1:9", "auth_type": AuthType.HMAC, "auth_secret": "c2VjcmV0",
        "accessors": (Accessor(id="bob", name="Bob", type=AccessorType.USER),),
        "userid": "ann", "actions": (action,), "created_at": 1, "updated_at": 1,
    }  # fmt: skip
    fields.update(overrides)
    return Executor(**fields)  # type: ignore[arg-type]


async def test_an_executor_reads_back_equal_by_id_and_key(
    executor_repository: ExecutorRepository,
) -> None:
    executor = make_executor()
    await executor_repository.add(executor)
    assert await executor_repository.get("default", executor.id) == executor
    assert await executor_repository.get_by_key("default", "echo") == executor
    assert await executor_repository.get("other", executor.id) is None


async def test_keys_are_unique_per_domain(executor_repository: ExecutorRepository) -> None:
    await executor_repository.add(make_executor())
    with pytest.raises(ExecutorKeyTakenError):
        await executor_repository.add(make_executor())
    await executor_repository.add(make_executor(biz_domain_id="other"))
    assert [e.key for e in await executor_repository.list("default")] == ["echo"]


async def test_update_compare_and_sets_and_delete_removes(
    executor_repository: ExecutorRepository,
) -> None:
    executor = make_executor()
    await executor_repository.add(executor)
    changed = dataclasses.replace(executor, name="Echo 2", actions=(), revision=2)
    await executor_repository.update(changed)
    assert await executor_repository.get("default", executor.id) == changed
    with pytest.raises(ConflictError):
        await executor_repository.update(dataclasses.replace(changed, name="stale"))
    assert await executor_repository.delete("default", executor.id)
    assert not await executor_repository.delete("default", executor.id)
