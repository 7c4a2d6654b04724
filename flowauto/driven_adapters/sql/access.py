"""Opening connections the same way in every SQL adapter, with errors translated."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from flowauto.domain.errors import StoreUnavailableError

_SQLITE_WRITERS: weakref.WeakKeyDictionary[AsyncEngine, asyncio.Lock] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A transaction; on SQLite, this process's writers queue on one lock first: SQLite has a
    single writer, and its busy handler would otherwise sleep (up to 100 ms a try) and
    deadlock deferred transactions that read before they write."""
    if engine.dialect.name != "sqlite":
        async with translated(), engine.begin() as connection:
            yield connection
        return
    async with sqlite_write_lock(engine), translated(), engine.begin() as connection:
        yield connection


def sqlite_write_lock(engine: AsyncEngine) -> asyncio.Lock:
    """The lock this process's writers of one SQLite database queue on."""
    return _SQLITE_WRITERS.setdefault(engine, asyncio.Lock())


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
