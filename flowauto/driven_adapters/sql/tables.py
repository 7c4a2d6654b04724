"""The relational schema, one definition for SQLite and MySQL/MariaDB.

Times are Unix seconds. Titles use a binary collation on MySQL so that uniqueness, sorting
and prefix matches behave as on SQLite and in Python (case-sensitive).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql

metadata = MetaData()

SCHEMA_VERSION = 1

# Steps may be as large as a whole document (1 MiB): MySQL's TEXT holds only 64 KiB.
LongText = Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")


def _title(length: int) -> String:
    return String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
    )


schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", BigInteger, nullable=False),
)

dags = Table(
    "dags",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("biz_domain_id", String(64), nullable=False),
    Column("userid", String(128), nullable=False),
    Column("title", _title(128), nullable=False),
    # The title while the DAG is live, NULL once deleted: unique per domain (NULLs never clash).
    Column("live_title", _title(128), nullable=True),
    Column("description", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("type", String(64), nullable=False),
    Column("trigger", String(128), nullable=False),
    Column("steps", LongText, nullable=False),
    Column("vars", LongText, nullable=False),
    Column("accessors", LongText, nullable=False),
    Column("emails", Text, nullable=False),
    Column("published", Boolean, nullable=False),
    Column("version_id", String(20), nullable=False),
    Column("version", String(40), nullable=False),
    Column("change_log", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("modify_by", String(128), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("deleted_at", BigInteger, nullable=True),
    UniqueConstraint("biz_domain_id", "live_title", name="uq_dags_live_title"),
    Index("ix_dags_domain_updated", "biz_domain_id", "deleted_at", "updated_at"),
    Index("ix_dags_domain_created", "biz_domain_id", "deleted_at", "created_at"),
    Index("ix_dags_domain_title", "biz_domain_id", "deleted_at", "title"),
    mysql_charset="utf8mb4",
)

dag_accessors = Table(
    "dag_accessors",
    metadata,
    Column("dag_id", String(20), nullable=False),
    Column("type", String(16), nullable=False),
    Column("accessor_id", String(128), nullable=False),
    Index("ix_dag_accessors_dag", "dag_id"),
    Index("ix_dag_accessors_principal", "accessor_id", "type"),
    mysql_charset="utf8mb4",
)

dag_versions = Table(
    "dag_versions",
    metadata,
    Column("version_id", String(20), primary_key=True),
    Column("dag_id", String(20), nullable=False),
    Column("biz_domain_id", String(64), nullable=False),
    Column("version", String(40), nullable=False),
    Column("steps", LongText, nullable=False),
    Column("change_log", Text, nullable=False),
    Column("userid", String(128), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_dag_versions_dag", "dag_id", "created_at"),
    mysql_charset="utf8mb4",
)
