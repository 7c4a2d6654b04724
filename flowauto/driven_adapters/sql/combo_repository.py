"""ComboRepository on SQLAlchemy Core (SQLite, MySQL/MariaDB)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.domain.combo import ComboOperator
from flowauto.domain.errors import ComboKeyTakenError
from flowauto.driven_adapters.sql.access import reading, transaction
from flowauto.driven_adapters.sql.tables import combo_operators
from flowauto.ports.combo_repository import ComboRepository


class SqlComboRepository(ComboRepository):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, combo: ComboOperator) -> None:
        row: dict[str, Any] = {
            "id": combo.id, "biz_domain_id": combo.biz_domain_id, "key": combo.key,
            "name": combo.name, "dag_id": combo.dag_id, "inputs": json.dumps(dict(combo.inputs)),
            "outputs": json.dumps(dict(combo.outputs)), "userid": combo.userid,
            "created_at": combo.created_at,
        }  # fmt: skip
        try:
            async with transaction(self._engine) as connection:
                await connection.execute(combo_operators.insert(), row)
        except IntegrityError as error:
            raise ComboKeyTakenError(combo.key) from error

    async def get_by_key(self, biz_domain_id: str, key: str) -> ComboOperator | None:
        statement = select(combo_operators).where(
            combo_operators.c.biz_domain_id == biz_domain_id, combo_operators.c.key == key
        )
        async with reading(self._engine) as connection:
            row = (await connection.execute(statement)).mappings().first()
        return None if row is None else _combo(row)

    async def list(self, biz_domain_id: str) -> list[ComboOperator]:
        statement = (
            select(combo_operators)
            .where(combo_operators.c.biz_domain_id == biz_domain_id)
            .order_by(combo_operators.c.key)
        )
        async with reading(self._engine) as connection:
            rows = (await connection.execute(statement)).mappings().all()
        return [_combo(row) for row in rows]


def _combo(row: RowMapping) -> ComboOperator:
    return ComboOperator(
        id=row["id"], biz_domain_id=row["biz_domain_id"], key=row["key"], name=row["name"],
        dag_id=row["dag_id"], inputs=json.loads(row["inputs"]),
        outputs=json.loads(row["outputs"]), userid=row["userid"], created_at=row["created_at"],
    )  # fmt: skip
