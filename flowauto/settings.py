"""Configuration, read once: `.env`, then `.env.local`, then the environment.

Every variable is `FLOWAUTO_<FIELD>`, nested with `__` (`FLOWAUTO_SQL__URL`).
"""

from __future__ import annotations

import enum
import socket
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from flowauto.domain.ids import MAX_NODE


class AuthMode(enum.StrEnum):
    NONE = "none"
    HYDRA = "hydra"


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    public_port: int = Field(default=8082, ge=0, le=65535)
    private_port: int = Field(default=8083, ge=0, le=65535)
    private_host: str = "127.0.0.1"
    roles: str = "api,worker,scheduler"
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    public_url: str = ""
    """How executors reach this server's callback route; default http://<host>:<public_port>."""

    def callback_base(self) -> str:
        return self.public_url or f"http://{self.host}:{self.public_port}"


class StoreSettings(BaseModel):
    """A store chosen by URL; unset means the embedded SQLite file under the data dir."""

    url: str | None = None


class AuthSettings(BaseModel):
    mode: AuthMode = AuthMode.NONE
    local_user_id: str = "admin"
    local_user_name: str = "Local admin"


class HydraSettings(BaseModel):
    """Auth mode `hydra`: where Hydra's admin API answers token introspection, and how long
    an answer is trusted (never past the token's `exp`). `client_id`/`client_secret` are sent
    only when a proxy in front of Hydra's admin API demands client authentication."""

    admin_url: str = ""
    cache_s: int = Field(default=60, ge=0, le=60)
    timeout_s: float = Field(default=5.0, gt=0)
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")


class LogSettings(BaseModel):
    """`format`: `json` (one JSON object a line, for collectors) or `text` (for humans)."""

    level: str = "INFO"
    format: Literal["json", "text"] = "json"


class MetricsSettings(BaseModel):
    """Prometheus metrics on the private port's `/metrics` (off: an empty scrape)."""

    enabled: bool = True


class OtelSettings(BaseModel):
    """`endpoint` set: spans go to that OTLP/HTTP collector (`http://collector:4318`);
    empty: no spans are made or exported."""

    endpoint: str = ""
    service_name: str = "flowauto"
    sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    """Share of new traces recorded; a caller's own sampling decision (its `traceparent`
    flags) is always followed."""
    pure_step_spans: bool = False
    """Spans for pure steps too (text, JSON, time, assign); by default they are events on
    their run's span."""


class EngineSettings(BaseModel):
    """`worker` names this process's leases; it must be unique among live processes and
    stable across restarts so a restarted process takes its runs back at once (default: the
    host name, which Kubernetes makes unique per pod)."""

    worker: str = ""
    lease_ms: int = Field(default=6_000, ge=1000)
    poll_ms: int = Field(default=250, ge=10)
    capacity: int = Field(default=1000, ge=1)
    drain_s: float = Field(default=10.0, ge=0)
    max_batch_items: int = Field(default=10_000, ge=1)

    def worker_name(self) -> str:
        return self.worker or socket.gethostname()


class HttpSettings(BaseModel):
    """`allow_hosts`: comma-separated host names, addresses or CIDR networks that steps may
    call although they are private (the SSRF guard refuses them otherwise)."""

    allow_hosts: str = ""

    def allowed(self) -> list[str]:
        return [entry.strip() for entry in self.allow_hosts.split(",") if entry.strip()]


class Py3Settings(BaseModel):
    """`@internal/tool/py3` runs user code in a limited child process; off unless enabled."""

    enabled: bool = False
    cpu_seconds: int = Field(default=5, ge=1)
    memory_mb: int = Field(default=256, ge=16)
    wall_ms: int = Field(default=10_000, ge=100)


class SchedulerSettings(BaseModel):
    """How often the scheduler role re-reads the stored cron DAGs (changes on any replica)."""

    refresh_ms: int = Field(default=2_000, ge=100)


class WebhookSettings(BaseModel):
    """`key` derives every DAG's webhook secret; replicas must share it. Empty: a random key
    kept in the data directory (fine for one process)."""

    key: str = ""


class KafkaSettings(BaseModel):
    """`bootstrap_servers` set: the event bus is Kafka (event triggers, `kafka/publish`,
    lifecycle CloudEvents on `flowauto.events`); empty: an in-process bus."""

    bootstrap_servers: str = ""
    client_id: str = "flowauto"


class SecretsSettings(BaseModel):
    """`keys`: comma-separated Fernet keys (or passphrases), the one to encrypt with first;
    empty: one random key kept in the data directory (a single process)."""

    keys: str = ""

    def key_list(self) -> list[str]:
        return [key.strip() for key in self.keys.split(",") if key.strip()]


class SmtpSettings(BaseModel):
    """Where alarm mails go out."""

    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = "flowauto@localhost"
    user: str = ""
    password: SecretStr = SecretStr("")
    starttls: bool = False


class RateLimitSettings(BaseModel):
    """Per-user public API budget: `per_minute` requests a minute (0: no limit), bursts up
    to `burst`."""

    per_minute: int = Field(default=0, ge=0)
    burst: int = Field(default=60, ge=1)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FLOWAUTO_",
        env_nested_delimiter="__",
        env_file=(".env", ".env.local"),
        extra="ignore",
    )

    data_dir: Path = Path(".flowauto")
    node_id: int | None = Field(default=None, ge=0, le=MAX_NODE)
    """The id generator's node; unset: leased from the SQL store while the process lives."""
    server: ServerSettings = ServerSettings()
    document_store: StoreSettings = StoreSettings()
    sql: StoreSettings = StoreSettings()
    redis: StoreSettings = StoreSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    webhook: WebhookSettings = WebhookSettings()
    kafka: KafkaSettings = KafkaSettings()
    secrets: SecretsSettings = SecretsSettings()
    smtp: SmtpSettings = SmtpSettings()
    rate_limit: RateLimitSettings = RateLimitSettings()
    auth: AuthSettings = AuthSettings()
    hydra: HydraSettings = HydraSettings()
    log: LogSettings = LogSettings()
    otel: OtelSettings = OtelSettings()
    metrics: MetricsSettings = MetricsSettings()
    engine: EngineSettings = EngineSettings()
    http: HttpSettings = HttpSettings()
    py3: Py3Settings = Py3Settings()

    def embedded_sqlite_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'flowauto.db'}"

    def document_store_url(self) -> str:
        return self.document_store.url or self.embedded_sqlite_url()

    def sql_url(self) -> str:
        return self.sql.url or self.embedded_sqlite_url()
