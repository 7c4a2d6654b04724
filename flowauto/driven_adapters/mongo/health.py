"""Readiness of the MongoDB store."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from flowauto.domain.errors import StoreUnavailableError
from flowauto.ports.health import HealthCheck


class MongoHealthCheck(HealthCheck):
    def __init__(self, name: str, client: AsyncMongoClient[dict[str, Any]]) -> None:
        self.name = name
        self._client = client

    async def ping(self) -> None:
        try:
            await self._client.admin.command("ping")
        except PyMongoError as error:
            raise StoreUnavailableError(f"{type(error).__name__}: {error}") from error
