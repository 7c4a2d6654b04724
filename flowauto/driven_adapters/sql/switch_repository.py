"""SwitchRepository on SQLAlchemy Core (SQLite, MySQL/MariaDB)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.domain.switch import Switch
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.tables import switches
from flowauto.ports.switch_repository import SwitchRepository


class SqlSwitchRepository(SwitchRepository):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, name: str) -> Switch | None:
        async with reading(self._engine) as connection:
            statement = select(switches).where(switches.c.name == name)
            row = (await connection.execute(statement)).mappings().first()
        if row is None:
            return None
        return Switch(name=row["name"], on=bool(row["is_on"]), message=row["message"],
                      updated_at=row["updated_at"], updated_by=row["updated_by"])  # fmt: skip

    async def put(self, switch: Switch) -> None:
        values = {"is_on": switch.on, "message": switch.message,
                  "updated_at": switch.updated_at, "updated_by": switch.updated_by}  # fmt: skip
        async with transaction(self._engine) as connection:
            changed = await connection.execute(
                switches.update().where(switches.c.name == switch.name).values(values)
            )
            if changed.rowcount == 0:
                await connection.execute(switches.insert().values(name=switch.name, **values))
