"""Opening connections the same way in every SQL adapter, with errors translated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from flowauto.domain.errors import StoreUnavailableError


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with translated(), engine.begin() as connection:
        yield connection


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A plain connection for reads: no BEGIN/COMMIT round trips."""
    async with translated(), engine.connect() as connection:
        yield connection


@asynccontextmanager
async def translated() -> AsyncIterator[None]:
    """Store outages become StoreUnavailableError (503); integrity errors are the caller's."""
    try:
        yield
    except IntegrityError:
        raise
    except (DBAPIError, OSError) as error:
        raise StoreUnavailableError(
            f"the SQL store is unavailable: {type(error).__name__}"
        ) from error
