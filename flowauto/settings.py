"""Configuration, read once: `.env`, then `.env.local`, then the environment.

Every variable is `FLOWAUTO_<FIELD>`, nested with `__` (`FLOWAUTO_SQL__URL`).
"""

from __future__ import annotations

import enum
import secrets
from pathlib import Path

from pydantic import BaseModel, Field
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


class StoreSettings(BaseModel):
    """A store chosen by URL; unset means the embedded SQLite file under the data dir."""

    url: str | None = None


class AuthSettings(BaseModel):
    mode: AuthMode = AuthMode.NONE
    local_user_id: str = "admin"
    local_user_name: str = "Local admin"


class LogSettings(BaseModel):
    level: str = "INFO"
    format: str = "json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FLOWAUTO_",
        env_nested_delimiter="__",
        env_file=(".env", ".env.local"),
        extra="ignore",
    )

    data_dir: Path = Path(".flowauto")
    node_id: int = Field(default_factory=lambda: secrets.randbelow(MAX_NODE + 1), ge=0, le=MAX_NODE)
    server: ServerSettings = ServerSettings()
    document_store: StoreSettings = StoreSettings()
    sql: StoreSettings = StoreSettings()
    auth: AuthSettings = AuthSettings()
    log: LogSettings = LogSettings()

    def embedded_sqlite_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.data_dir.resolve() / 'flowauto.db'}"

    def document_store_url(self) -> str:
        return self.document_store.url or self.embedded_sqlite_url()

    def sql_url(self) -> str:
        return self.sql.url or self.embedded_sqlite_url()
