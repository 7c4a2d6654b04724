"""Every port's contract suite runs against the fake and every real adapter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.driven_adapters.in_memory.dag_repository import InMemoryDagRepository
from flowauto.driven_adapters.in_memory.run_repository import InMemoryRunRepository
from flowauto.ports.dag_repository import DagRepository
from flowauto.ports.event_outbox import EventOutbox
from flowauto.ports.run_lease import RunLeases
from flowauto.ports.run_repository import RunRepository


class RunStore(RunRepository, RunLeases, EventOutbox, Protocol):
    """Every backend keeps runs and their leases together."""


DAG_BACKENDS = ["memory", "sqlite", "mariadb", "mongo"]


@pytest.fixture(params=DAG_BACKENDS)
def dag_repository(request: pytest.FixtureRequest) -> DagRepository:
    # Sync on purpose: pytest-asyncio sets up the backends' async fixtures from here.
    if request.param == "memory":
        return InMemoryDagRepository()
    # Each backend plugin provides `<backend>_dag_repository`, empty for every test.
    repository: DagRepository = request.getfixturevalue(f"{request.param}_dag_repository")
    return repository


RUN_BACKENDS = ["memory", "sqlite", "mariadb", "mongo"]


@pytest.fixture(params=RUN_BACKENDS)
def run_store(request: pytest.FixtureRequest) -> RunStore:
    if request.param == "memory":
        return InMemoryRunRepository()
    store: RunStore = request.getfixturevalue(f"{request.param}_run_store")
    return store


SQL_STORE_BACKENDS = ["memory", "sqlite", "mariadb"]
"""Ports kept only in the SQL store: the fake and both SQL dialects."""

T = TypeVar("T")


def sql_store_backend(
    request: pytest.FixtureRequest,
    in_memory: Callable[[], T],
    on_engine: Callable[[AsyncEngine], T],
) -> T:
    """The fake for `memory`, else the SQL adapter on that backend's fresh engine. Sync on
    purpose: pytest-asyncio sets up the backends' async fixtures from here."""
    if request.param == "memory":
        return in_memory()
    engine: AsyncEngine = request.getfixturevalue(f"{request.param}_engine")
    return on_engine(engine)
