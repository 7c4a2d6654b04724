"""Token cache shared by every replica: one Redis key per token digest, expiring with it."""

from __future__ import annotations

from redis.asyncio import Redis

from flowauto.driven_adapters.redis.lock_manager import redis_available
from flowauto.ports.token_cache import TokenCache

DEFAULT_KEY_PREFIX = "flowauto:token:"


class RedisTokenCache(TokenCache):
    def __init__(self, client: Redis, key_prefix: str = DEFAULT_KEY_PREFIX) -> None:
        self._client = client
        self._prefix = key_prefix

    async def get(self, key: str) -> bytes | None:
        async with redis_available("token cache"):
            value = await self._client.get(self._prefix + key)
        return value.encode() if isinstance(value, str) else value

    async def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        if ttl_ms <= 0:
            return
        async with redis_available("token cache"):
            await self._client.set(self._prefix + key, value, px=ttl_ms)
