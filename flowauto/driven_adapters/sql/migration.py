"""Creates what is missing of the schema and records its version; safe to run again.

Missing tables are created; columns added to an existing table since it was created are
added with ALTER TABLE (every added column has a server default, so existing rows fill in).
Nothing is ever dropped or changed in place."""

from __future__ import annotations

import time

from sqlalchemy import Connection, inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateColumn

from flowauto.domain.errors import StoreUnavailableError
from flowauto.driven_adapters.sql.tables import SCHEMA_VERSION, metadata, schema_version


async def migrate(engine: AsyncEngine) -> None:
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all, checkfirst=True)
            await connection.run_sync(_add_missing_columns)
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


def _add_missing_columns(connection: Connection) -> None:
    inspector = inspect(connection)
    preparer = connection.dialect.identifier_preparer
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            definition = CreateColumn(column).compile(dialect=connection.dialect)
            connection.exec_driver_sql(
                f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {definition}"
            )
