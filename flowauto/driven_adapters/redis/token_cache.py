"""Token cache shared by every replica: one Redis key per token digest, expiring with it."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from flowauto.domain.errors import StoreUnavailableError
from flowauto.ports.token_cache import TokenCache

DEFAULT_KEY_PREFIX = "flowauto:token:"


class RedisTokenCache(TokenCache):
    def __init__(self, client: Redis, key_prefix: str = DEFAULT_KEY_PREFIX) -> None:
        self._client = client
        self._prefix = key_prefix

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._client.get(self._prefix + key)
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error
        return value.encode() if isinstance(value, str) else value

    async def put(self, key: str, value: bytes, ttl_ms: int) -> None:
        if ttl_ms <= 0:
            return
        try:
            await self._client.set(self._prefix + key, value, px=ttl_ms)
        except (RedisError, OSError) as error:
            raise _unavailable(error) from error


def _unavailable(error: Exception) -> StoreUnavailableError:
    return StoreUnavailableError(f"the Redis token cache is unavailable: {type(error).__name__}")
