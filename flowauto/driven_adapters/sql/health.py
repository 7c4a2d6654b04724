"""Readiness of a SQL store."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.domain.errors import StoreUnavailableError
from flowauto.ports.health import HealthCheck


class SqlHealthCheck(HealthCheck):
    def __init__(self, name: str, engine: AsyncEngine) -> None:
        self.name = name
        self._engine = engine

    async def ping(self) -> None:
        try:
            async with self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (DBAPIError, OSError) as error:
            raise StoreUnavailableError(f"{type(error).__name__}: {error}") from error
