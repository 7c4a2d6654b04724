"""Driver errors translated the same way in every MongoDB adapter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pymongo.errors import DuplicateKeyError, PyMongoError

from flowauto.domain.errors import StoreUnavailableError


@asynccontextmanager
async def available() -> AsyncIterator[None]:
    """Turns driver failures (unreachable server, timeouts) into StoreUnavailableError;
    duplicate keys stay the caller's to interpret."""
    try:
        yield
    except DuplicateKeyError:
        raise
    except PyMongoError as error:
        raise StoreUnavailableError(
            f"the MongoDB store is unavailable: {type(error).__name__}"
        ) from error
