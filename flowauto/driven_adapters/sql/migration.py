"""Creates what is missing of the schema and records its version; safe to run again."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.domain.errors import StoreUnavailableError
from flowauto.driven_adapters.sql.tables import SCHEMA_VERSION, metadata, schema_version


async def migrate(engine: AsyncEngine) -> None:
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all, checkfirst=True)
            applied = await connection.scalar(
                select(schema_version.c.version).where(schema_version.c.version == SCHEMA_VERSION)
            )
            if applied is None:
                await connection.execute(
                    schema_version.insert().values(
                        version=SCHEMA_VERSION, applied_at=int(time.time())
                    )
                )
    except (DBAPIError, OSError) as error:
        raise StoreUnavailableError(
            f"cannot migrate the SQL store: {type(error).__name__}: {error}"
        ) from error
