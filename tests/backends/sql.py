"""Fixtures for the SQL backends: a SQLite file per test, and a scratch MariaDB database
per session (created at start, dropped at the end) emptied before every test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pymysql
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.driven_adapters.sql.dag_repository import SqlDagRepository
from flowauto.driven_adapters.sql.engine import create_sql_engine
from flowauto.driven_adapters.sql.migration import migrate
from flowauto.driven_adapters.sql.run_repository import SqlRunRepository
from flowauto.driven_adapters.sql.tables import metadata
from tests.services import MARIADB_HOST, MARIADB_PORT, port_open, service_missing


def _mariadb_admin() -> pymysql.connections.Connection:  # type: ignore[type-arg]
    return pymysql.connect(host=MARIADB_HOST, port=MARIADB_PORT, user="root", password="")


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    """A scratch database on the local MariaDB, dropped when the session ends."""
    if not port_open(MARIADB_HOST, MARIADB_PORT):
        service_missing(f"MariaDB at {MARIADB_HOST}:{MARIADB_PORT} is not reachable")
    name = f"flowauto_test_{uuid.uuid4().hex[:12]}"
    with _mariadb_admin() as admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield f"mysql+aiomysql://root:@{MARIADB_HOST}:{MARIADB_PORT}/{name}"
    finally:
        with _mariadb_admin() as admin, admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_sql_engine(f"sqlite+aiosqlite:///{tmp_path / 'flowauto.db'}")
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def mariadb_engine(mariadb_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_sql_engine(mariadb_url)
    await migrate(engine)
    async with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name != "schema_version":
                await connection.execute(table.delete())
    yield engine
    await engine.dispose()


@pytest.fixture
def sqlite_dag_repository(sqlite_engine: AsyncEngine) -> SqlDagRepository:
    return SqlDagRepository(sqlite_engine)


@pytest.fixture
def mariadb_dag_repository(mariadb_engine: AsyncEngine) -> SqlDagRepository:
    return SqlDagRepository(mariadb_engine)


@pytest.fixture
def sqlite_run_store(sqlite_engine: AsyncEngine) -> SqlRunRepository:
    return SqlRunRepository(sqlite_engine)


@pytest.fixture
def mariadb_run_store(mariadb_engine: AsyncEngine) -> SqlRunRepository:
    return SqlRunRepository(mariadb_engine)
