"""A store that does not answer is a clear StoreUnavailableError (503), never a hang or a 500."""

from __future__ import annotations

import time

import pytest

from flowauto.domain.errors import StoreUnavailableError
from flowauto.driven_adapters.mongo.client import create_mongo_client
from flowauto.driven_adapters.mongo.dag_repository import MongoDagRepository
from flowauto.driven_adapters.mongo.health import MongoHealthCheck
from flowauto.driven_adapters.sql.dag_repository import SqlDagRepository
from flowauto.driven_adapters.sql.engine import create_sql_engine
from flowauto.driven_adapters.sql.health import SqlHealthCheck
from flowauto.driven_adapters.sql.migration import migrate
from tests.services import free_port


async def test_sql_health_and_queries_fail_fast_when_mysql_is_down() -> None:
    engine = create_sql_engine(f"mysql+aiomysql://root:@127.0.0.1:{free_port()}/nothing")
    started = time.monotonic()
    try:
        with pytest.raises(StoreUnavailableError):
            await SqlHealthCheck("sql", engine).ping()
        with pytest.raises(StoreUnavailableError):
            await SqlDagRepository(engine).get("default", "1")
        with pytest.raises(StoreUnavailableError, match="cannot migrate"):
            await migrate(engine)
    finally:
        await engine.dispose()
    assert time.monotonic() - started < 20


async def test_mongo_health_and_queries_fail_when_mongo_is_down() -> None:
    client = create_mongo_client(f"mongodb://127.0.0.1:{free_port()}/flowauto")
    try:
        with pytest.raises(StoreUnavailableError):
            await MongoHealthCheck("mongodb", client).ping()
        with pytest.raises(StoreUnavailableError):
            await MongoDagRepository.of_client(client).get("default", "1")
    finally:
        await client.close()
