"""Fixtures for the Redis backend: the local server's scratch database 15, emptied before
every test, and a key prefix of its own per test so leftovers never collide."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from flowauto.driven_adapters.redis.lock_manager import RedisLockManager, create_redis_client
from tests.services import port_open, service_missing

REDIS_HOST = os.environ.get("FLOWAUTO_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("FLOWAUTO_TEST_REDIS_PORT", "6379"))
# A high database number keeps the tests away from db 0, where a dev instance keeps its data.
REDIS_TEST_DB = 15


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not port_open(REDIS_HOST, REDIS_PORT):
        service_missing(f"Redis at {REDIS_HOST}:{REDIS_PORT} is not reachable")
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_TEST_DB}"


@pytest.fixture
async def redis_lock_manager(redis_url: str) -> AsyncIterator[RedisLockManager]:
    client = create_redis_client(redis_url)
    try:
        await client.flushdb()
        yield RedisLockManager(client, key_prefix=f"flowauto_test:{uuid.uuid4().hex[:12]}:lock:")
    finally:
        await client.aclose()
