"""The composition root: builds adapters and services from settings, closes them on exit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.application.dag_service import DagAdminService, DagService
from flowauto.application.readiness import ReadinessService
from flowauto.application.services import Services
from flowauto.domain.ids import IdGenerator
from flowauto.domain.operator_catalog import OperatorCatalog
from flowauto.driven_adapters.in_memory.dag_repository import InMemoryDagRepository
from flowauto.driven_adapters.local_authenticator import LocalAdminAuthenticator
from flowauto.driven_adapters.mongo.client import create_mongo_client
from flowauto.driven_adapters.mongo.dag_repository import MongoDagRepository
from flowauto.driven_adapters.mongo.health import MongoHealthCheck
from flowauto.driven_adapters.sql.dag_repository import SqlDagRepository
from flowauto.driven_adapters.sql.engine import create_sql_engine
from flowauto.driven_adapters.sql.health import SqlHealthCheck
from flowauto.driven_adapters.sql.migration import migrate
from flowauto.driven_adapters.system_clock import SystemClock
from flowauto.ports.authenticator import Authenticator
from flowauto.ports.dag_repository import DagRepository
from flowauto.ports.health import HealthCheck
from flowauto.settings import AuthMode, Settings


@asynccontextmanager
async def build(settings: Settings) -> AsyncIterator[Services]:
    """Connects to the configured stores (migrating the SQL schema) and wires the services."""
    async with AsyncExitStack() as stack:
        checks: list[HealthCheck] = []
        sql_engine = await _open_sql(stack, settings.sql_url(), settings)
        checks.append(SqlHealthCheck("sql", sql_engine))
        dags = await _open_dag_repository(stack, settings, sql_engine, checks)
        yield _services(
            dags=dags,
            authenticator=_authenticator(settings),
            checks=checks,
            node_id=settings.node_id,
        )


def build_in_memory(authenticator: Authenticator | None = None) -> Services:
    """The same services wired to fakes: for unit tests and quick experiments."""
    return _services(
        dags=InMemoryDagRepository(),
        authenticator=authenticator or LocalAdminAuthenticator("admin", "Local admin"),
        checks=[],
        node_id=0,
    )


async def run_migrations(settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        await _open_sql(stack, settings.sql_url(), settings)


def _services(
    *,
    dags: DagRepository,
    authenticator: Authenticator,
    checks: list[HealthCheck],
    node_id: int,
) -> Services:
    clock = SystemClock()
    return Services(
        dags=DagService(
            repository=dags,
            catalog=OperatorCatalog.built_in(),
            ids=IdGenerator(node_id, clock.now_ms),
            clock=clock,
        ),
        dag_admin=DagAdminService(repository=dags, clock=clock),
        readiness=ReadinessService(checks),
        authenticator=authenticator,
    )


async def _open_sql(stack: AsyncExitStack, url: str, settings: Settings) -> AsyncEngine:
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_sql_engine(url)
    stack.push_async_callback(engine.dispose)
    await migrate(engine)
    return engine


async def _open_dag_repository(
    stack: AsyncExitStack, settings: Settings, sql_engine: AsyncEngine, checks: list[HealthCheck]
) -> DagRepository:
    url = settings.document_store_url()
    if url.startswith(("mongodb://", "mongodb+srv://")):
        client = create_mongo_client(url)
        stack.push_async_callback(client.close)
        repository = MongoDagRepository.of_client(client)
        await repository.ensure_indexes()
        checks.append(MongoHealthCheck("mongodb", client))
        return repository
    if url == settings.sql_url():
        return SqlDagRepository(sql_engine)
    engine = await _open_sql(stack, url, settings)
    checks.append(SqlHealthCheck("document_store", engine))
    return SqlDagRepository(engine)


def _authenticator(settings: Settings) -> Authenticator:
    if settings.auth.mode is AuthMode.NONE:
        return LocalAdminAuthenticator(settings.auth.local_user_id, settings.auth.local_user_name)
    raise NotImplementedError(
        f"auth mode {settings.auth.mode.value!r} is not available yet; use 'none'"
    )
