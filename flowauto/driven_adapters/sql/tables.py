"""The relational schema, one definition for SQLite and MySQL/MariaDB.

Times are Unix seconds. Titles use a binary collation on MySQL so that uniqueness, sorting
and prefix matches behave as on SQLite and in Python (case-sensitive).
"""

from __future__ import annotations

import base64

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
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

metadata = MetaData()

SCHEMA_VERSION = 9

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

runs = Table(
    "runs",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("dag_id", String(20), nullable=False),
    Column("version_id", String(20), nullable=False),
    Column("version", String(40), nullable=False),
    Column("name", _title(128), nullable=False),
    Column("trigger", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("vars", LongText, nullable=False),
    Column("inputs", LongText, nullable=False),
    Column("userid", String(128), nullable=False),
    Column("biz_domain_id", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("started_at", BigInteger, nullable=True),
    Column("started_ms", BigInteger, nullable=True),
    Column("ended_at", BigInteger, nullable=True),
    Column("duration_ms", BigInteger, nullable=True),
    Column("parent_run_id", String(20), nullable=True),
    Column("parent_task_id", String(20), nullable=True),
    Column("paused_from", String(16), nullable=True),
    Column("wake_at_ms", BigInteger, nullable=True),
    Column("debug", Boolean, nullable=False),
    Column("debug_steps", LongText, nullable=True),
    Column("event_seq", Integer, nullable=False),
    # W3C trace context of whoever started the run: its spans join the caller's trace.
    Column("traceparent", String(64), nullable=False, server_default=""),
    # The lease: who drives the run, until when, and a fencing epoch bumped on every claim.
    Column("owner", String(128), nullable=False),
    Column("lease_until_ms", BigInteger, nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("idempotency_key", String(255), nullable=True),
    UniqueConstraint("idempotency_key", name="uq_runs_idempotency_key"),
    Index("ix_runs_domain_dag_created", "biz_domain_id", "dag_id", "created_at"),
    Index("ix_runs_domain_created", "biz_domain_id", "created_at"),
    Index("ix_runs_dag_status", "dag_id", "status"),
    Index("ix_runs_status_wake", "status", "wake_at_ms"),
    Index("ix_runs_owner", "owner"),
    mysql_charset="utf8mb4",
)

run_tasks = Table(
    "run_tasks",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("run_id", String(20), nullable=False),
    Column("task_key", String(255), nullable=False),
    Column("step_id", String(128), nullable=False),
    Column("operator", String(255), nullable=False),
    Column("title", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("inputs", LongText, nullable=False),
    Column("outputs", LongText, nullable=False),
    Column("reason", Text, nullable=False),
    Column("started_at", BigInteger, nullable=True),
    Column("started_ms", BigInteger, nullable=True),
    Column("ended_at", BigInteger, nullable=True),
    Column("duration_ms", BigInteger, nullable=True),
    Column("worker", String(128), nullable=False),
    Column("wake_at_ms", BigInteger, nullable=True),
    Column("callback_digest", String(64), nullable=False),
    UniqueConstraint("run_id", "task_key", name="uq_run_tasks_key"),
    mysql_charset="utf8mb4",
)

run_events = Table(
    "run_events",
    metadata,
    Column("run_id", String(20), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(32), nullable=False),
    Column("data", LongText, nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    # Set once the event is on the bus (the outbox); NULL while waiting.
    Column("published_at_ms", BigInteger, nullable=True),
    Index("ix_run_events_waiting", "published_at_ms", "at_ms"),
    mysql_charset="utf8mb4",
)


class Base64Bytes(TypeDecorator[bytes]):
    """Bytes kept as base64 text. Not LargeBinary: aiomysql 0.3.2 cannot bind a bytes
    parameter with PyMySQL >= 1.2.3 (aio-libs/aiomysql#1080, "'str' object is not
    callable"); text binds everywhere."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else base64.b64encode(value).decode("ascii")

    def process_result_value(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else base64.b64decode(value)


connections = Table(
    "connections",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("biz_domain_id", String(64), nullable=False),
    # Binary collation: names are case-sensitive in `{{__secrets.<name>.<key>}}`.
    Column("name", _title(128), nullable=False),
    Column("type", String(16), nullable=False),
    Column("config", Text, nullable=False),
    Column("userid", String(128), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("revision", Integer, nullable=False),
    UniqueConstraint("biz_domain_id", "name", name="uq_connections_name"),
    mysql_charset="utf8mb4",
)

connection_secrets = Table(
    "connection_secrets",
    metadata,
    Column("connection_id", String(20), primary_key=True),
    Column("key", _title(128), primary_key=True),
    # The encrypted token, never the plain value (a 16 KiB secret stays under TEXT's 64 KiB).
    Column("value", Base64Bytes(), nullable=False),
    mysql_charset="utf8mb4",
)

executors = Table(
    "executors",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("biz_domain_id", String(64), nullable=False),
    Column("key", _title(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False),
    Column("base_url", String(1024), nullable=False),
    Column("auth_type", String(16), nullable=False),
    # Encrypted by the application (base64 of a Fernet token); empty when there is none.
    Column("auth_secret", Text, nullable=False),
    Column("accessors", LongText, nullable=False),
    Column("status", String(16), nullable=False),
    Column("userid", String(128), nullable=False),
    # The actions travel with their executor: read and written whole, as one document.
    Column("actions", LongText, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("revision", Integer, nullable=False),
    UniqueConstraint("biz_domain_id", "key", name="uq_executors_key"),
    mysql_charset="utf8mb4",
)

combo_operators = Table(
    "combo_operators",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("biz_domain_id", String(64), nullable=False),
    Column("key", _title(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("dag_id", String(20), nullable=False),
    # Declared inputs and outputs (JSON Schemas of the operator, shown in the catalog).
    Column("inputs", LongText, nullable=False),
    Column("outputs", LongText, nullable=False),
    Column("userid", String(128), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("biz_domain_id", "key", name="uq_combo_operators_key"),
    mysql_charset="utf8mb4",
)

alarm_rules = Table(
    "alarm_rules",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("biz_domain_id", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    # JSON lists: the DAG ids watched, the run endings that fire, the channels notified.
    Column("dag_ids", LongText, nullable=False),
    Column("on_events", Text, nullable=False),
    Column("channels", LongText, nullable=False),
    Column("userid", String(128), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_alarm_rules_domain", "biz_domain_id"),
    mysql_charset="utf8mb4",
)

switches = Table(
    "switches",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("is_on", Boolean, nullable=False),
    Column("message", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("updated_by", String(128), nullable=False),
    mysql_charset="utf8mb4",
)

# SQLite numbers rows itself only for an INTEGER PRIMARY KEY; MySQL needs the wider type.
_RowId = BigInteger().with_variant(Integer(), "sqlite")

audit_logs = Table(
    "audit_logs",
    metadata,
    Column("id", _RowId, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("user_id", String(128), nullable=False),
    Column("biz_domain", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(128), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_audit_logs_domain_at", "biz_domain", "at"),
    mysql_charset="utf8mb4",
)

workers = Table(
    "workers",
    metadata,
    # The name the process's run leases carry (runs.owner).
    Column("id", String(128), primary_key=True),
    Column("host", String(255), nullable=False),
    # Comma-separated role names (api, scheduler, worker).
    Column("roles", String(255), nullable=False),
    Column("started_at_ms", BigInteger, nullable=False),
    Column("last_beat_ms", BigInteger, nullable=False),
    Column("held_runs", Integer, nullable=False),
    # Processes that died keep their row: the live ones are found by their last beat.
    Index("ix_workers_last_beat", "last_beat_ms"),
    mysql_charset="utf8mb4",
)

node_leases = Table(
    "node_leases",
    metadata,
    Column("node", Integer, primary_key=True, autoincrement=False),
    Column("holder", String(200), nullable=False),
    Column("until_ms", BigInteger, nullable=False),
    mysql_charset="utf8mb4",
)
