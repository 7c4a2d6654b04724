"""The combo operator repository contract on the fake, SQLite and MariaDB."""

from __future__ import annotations

import pytest

from flowauto.domain.combo import ComboOperator
from flowauto.domain.errors import ComboKeyTakenError
from flowauto.driven_adapters.in_memory.combo_repository import InMemoryComboRepository
from flowauto.driven_adapters.sql.combo_repository import SqlComboRepository
from flowauto.ports.combo_repository import ComboRepository
from tests.builders import next_id
from tests.contract.conftest import SQL_STORE_BACKENDS, sql_store_backend


@pytest.fixture(params=SQL_STORE_BACKENDS)
def combo_repository(request: pytest.FixtureRequest) -> ComboRepository:
    return sql_store_backend(request, InMemoryComboRepository, SqlComboRepository)


def make_combo(key: str, biz_domain_id: str = "default") -> ComboOperator:
    return ComboOperator(
        id=next_id(), biz_domain_id=biz_domain_id, key=key, name=key.title(), dag_id="d1",
        inputs={"properties": {"x": {"type": "string"}}, "required": ["x"]},
        outputs={"properties": {"y": {}}}, userid="ann", created_at=1,
    )  # fmt: skip


async def test_combos_read_back_equal_and_list_by_key(combo_repository: ComboRepository) -> None:
    later, first = make_combo("zeta"), make_combo("alpha")
    await combo_repository.add(later)
    await combo_repository.add(first)
    await combo_repository.add(make_combo("alpha", biz_domain_id="other"))
    assert await combo_repository.get_by_key("default", "zeta") == later
    assert await combo_repository.list("default") == [first, later]
    assert await combo_repository.get_by_key("default", "nope") is None


async def test_a_key_is_unique_per_domain(combo_repository: ComboRepository) -> None:
    await combo_repository.add(make_combo("k"))
    with pytest.raises(ComboKeyTakenError):
        await combo_repository.add(make_combo("k"))
