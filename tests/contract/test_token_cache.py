"""The token cache contract, on the in-process cache and on Redis (real clock, short TTLs)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from flowauto.domain.errors import StoreUnavailableError
from flowauto.driven_adapters.in_memory.token_cache import InMemoryTokenCache
from flowauto.driven_adapters.redis.lock_manager import create_redis_client
from flowauto.driven_adapters.redis.token_cache import RedisTokenCache
from flowauto.driven_adapters.system_clock import SystemClock
from flowauto.ports.token_cache import TokenCache
from tests.services import free_port

SHORT_TTL_MS = 150


@pytest.fixture(params=["memory", "redis"])
async def token_cache(request: pytest.FixtureRequest) -> AsyncIterator[TokenCache]:
    if request.param == "memory":
        yield InMemoryTokenCache(SystemClock())
        return
    client = create_redis_client(request.getfixturevalue("redis_url"))
    try:
        yield RedisTokenCache(client, key_prefix=f"flowauto_test:{uuid.uuid4().hex[:12]}:")
    finally:
        await client.aclose()


async def test_a_kept_value_is_returned(token_cache: TokenCache) -> None:
    await token_cache.put("k", b'{"sub":"ann"}', 10_000)
    assert await token_cache.get("k") == b'{"sub":"ann"}'


async def test_an_absent_key_is_none(token_cache: TokenCache) -> None:
    assert await token_cache.get("never-put") is None


async def test_a_value_expires_after_its_ttl(token_cache: TokenCache) -> None:
    await token_cache.put("k", b"v", SHORT_TTL_MS)
    await asyncio.sleep(SHORT_TTL_MS / 1000 + 0.2)
    assert await token_cache.get("k") is None


async def test_a_non_positive_ttl_keeps_nothing(token_cache: TokenCache) -> None:
    await token_cache.put("k", b"v", 0)
    await token_cache.put("j", b"v", -5)
    assert await token_cache.get("k") is None
    assert await token_cache.get("j") is None


async def test_putting_again_replaces_the_value(token_cache: TokenCache) -> None:
    await token_cache.put("k", b"old", 10_000)
    await token_cache.put("k", b"new", 10_000)
    assert await token_cache.get("k") == b"new"


async def test_the_in_process_cache_is_bounded() -> None:
    cache = InMemoryTokenCache(SystemClock(), max_entries=3)
    for key in "abcd":
        await cache.put(key, key.encode(), 10_000)
    assert await cache.get("a") is None
    assert await cache.get("d") == b"d"


async def test_redis_down_is_store_unavailable() -> None:
    client = create_redis_client(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(StoreUnavailableError):
            await RedisTokenCache(client).get("k")
    finally:
        await client.aclose()
