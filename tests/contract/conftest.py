"""Every port's contract suite runs against the fake and every real adapter."""

from __future__ import annotations

import pytest

from flowauto.driven_adapters.in_memory.dag_repository import InMemoryDagRepository
from flowauto.ports.dag_repository import DagRepository

DAG_BACKENDS = ["memory", "sqlite", "mariadb", "mongo"]


@pytest.fixture(params=DAG_BACKENDS)
def dag_repository(request: pytest.FixtureRequest) -> DagRepository:
    # Sync on purpose: pytest-asyncio sets up the backends' async fixtures from here.
    if request.param == "memory":
        return InMemoryDagRepository()
    # Each backend plugin provides `<backend>_dag_repository`, empty for every test.
    repository: DagRepository = request.getfixturevalue(f"{request.param}_dag_repository")
    return repository
