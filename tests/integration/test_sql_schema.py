"""schema/ holds the DDL that migrate applies, and migrate is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.driven_adapters.sql.ddl import DIALECTS, schema_sql
from flowauto.driven_adapters.sql.migration import migrate
from flowauto.driven_adapters.sql.tables import SCHEMA_VERSION, metadata, schema_version

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_schema_files_match_the_tables(dialect: str) -> None:
    written = (SCHEMA_DIR / dialect / f"{SCHEMA_VERSION:04d}_schema.sql").read_text()

    assert written == schema_sql(dialect), (
        "schema/ is stale: run python -m flowauto.driven_adapters.sql.ddl"
    )


@pytest.fixture(params=["sqlite", "mariadb"])
def sql_engine(request: pytest.FixtureRequest) -> AsyncEngine:
    # Sync on purpose: pytest-asyncio sets up the backends' async fixtures from here.
    engine: AsyncEngine = request.getfixturevalue(f"{request.param}_engine")
    return engine


async def test_migrate_twice_changes_nothing(sql_engine: AsyncEngine) -> None:
    engine = sql_engine
    await migrate(engine)
    await migrate(engine)

    async with engine.connect() as connection:
        versions = (await connection.execute(select(schema_version.c.version))).scalars().all()
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert versions == [SCHEMA_VERSION]
    assert set(metadata.tables) <= tables


async def test_migrate_adds_columns_a_older_schema_lacks(sql_engine: AsyncEngine) -> None:
    await migrate(sql_engine)
    async with sql_engine.begin() as connection:
        await connection.exec_driver_sql("ALTER TABLE runs DROP COLUMN traceparent")
    await migrate(sql_engine)

    async with sql_engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {column["name"] for column in inspect(sync).get_columns("runs")}
        )
    assert "traceparent" in columns
