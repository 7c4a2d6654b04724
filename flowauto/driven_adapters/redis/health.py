"""Readiness of Redis (locks)."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from flowauto.domain.errors import StoreUnavailableError
from flowauto.ports.health import HealthCheck


class RedisHealthCheck(HealthCheck):
    def __init__(self, name: str, client: Redis) -> None:
        self.name = name
        self._client = client

    async def ping(self) -> None:
        try:
            await self._client.ping()
        except (RedisError, OSError) as error:
            raise StoreUnavailableError(f"{type(error).__name__}: {error}") from error
