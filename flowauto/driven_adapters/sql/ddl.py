"""The schema as SQL text per dialect: what `schema/` holds for DBAs to read and review.

`migrate` creates the same tables from `tables.metadata`; a test keeps `schema/` in step.
"""

from __future__ import annotations

from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from flowauto.driven_adapters.sql.tables import SCHEMA_VERSION, metadata

DIALECTS: dict[str, Dialect] = {"mysql": mysql.dialect(), "sqlite": sqlite.dialect()}


def schema_sql(dialect_name: str) -> str:
    dialect = DIALECTS[dialect_name]
    statements = [f"-- flowauto schema version {SCHEMA_VERSION} ({dialect_name})"]
    for table in metadata.sorted_tables:
        statements.append(f"{str(CreateTable(table).compile(dialect=dialect)).strip()};")
        for index in sorted(table.indexes, key=lambda index: str(index.name)):
            statements.append(f"{str(CreateIndex(index).compile(dialect=dialect)).strip()};")
    return "\n\n".join(statements) + "\n"


def main() -> None:
    from pathlib import Path

    for name in DIALECTS:
        target = Path("schema") / name / f"{SCHEMA_VERSION:04d}_schema.sql"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(schema_sql(name))
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
