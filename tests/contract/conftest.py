"""Every port's contract suite runs against the fake and every real adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from flowauto.driven_adapters.in_memory.dag_repository import InMemoryDagRepository
from flowauto.ports.dag_repository import DagRepository

DAG_BACKENDS = ["memory", "sqlite", "mariadb", "mongo"]


@pytest.fixture(params=DAG_BACKENDS)
async def dag_repository(request: pytest.FixtureRequest) -> AsyncIterator[DagRepository]:
    if request.param == "memory":
        yield InMemoryDagRepository()
    else:
        # Each backend plugin provides `<backend>_dag_repository`, empty for every test.
        yield request.getfixturevalue(f"{request.param}_dag_repository")
