"""The composition root: builds adapters and services from settings, closes them on exit."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Protocol

import httpx
from cryptography.fernet import Fernet
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from flowauto.application.admin_service import AdminService
from flowauto.application.alarm_service import AlarmService, dag_emails_of
from flowauto.application.audit_service import AuditService
from flowauto.application.combo_service import ComboService
from flowauto.application.connection_service import ConnectionService
from flowauto.application.cron_scheduler import CronScheduler
from flowauto.application.dag_service import DagAdminService, DagService
from flowauto.application.event_triggers import EventTriggers
from flowauto.application.executor_actions import ExecutorActions
from flowauto.application.executor_service import ExecutorService
from flowauto.application.lifecycle_publisher import LifecyclePublisher
from flowauto.application.maintenance_service import MaintenanceService
from flowauto.application.node_lease_keeper import NodeLeaseKeeper
from flowauto.application.queue_sampler import QueueDepthSampler
from flowauto.application.readiness import ReadinessService
from flowauto.application.run_control import RunControl
from flowauto.application.run_driver import DriverTools
from flowauto.application.run_engine import RunEngine
from flowauto.application.run_service import RunService
from flowauto.application.run_steps import RunSteps
from flowauto.application.services import Services
from flowauto.application.step_action import StepActions
from flowauto.application.step_debug import StepDebugService
from flowauto.application.subdag_runs import SubdagRuns
from flowauto.application.telemetry import Telemetry
from flowauto.application.webhook_service import WebhookService
from flowauto.application.worker_heartbeat import WorkerHeartbeat
from flowauto.domain.identity import Identity
from flowauto.domain.ids import IdGenerator
from flowauto.domain.operator_catalog import OperatorCatalog, OperatorSpec
from flowauto.domain.webhook import WebhookSecrets
from flowauto.driven_adapters.crypto.fernet_secret_box import FernetSecretBox
from flowauto.driven_adapters.http.address_guard import AddressGuard
from flowauto.driven_adapters.http.httpx_executor_client import HttpxExecutorClient
from flowauto.driven_adapters.http.httpx_http_requester import HttpxHttpRequester
from flowauto.driven_adapters.hydra.authenticator import HydraAuthenticator
from flowauto.driven_adapters.in_memory.alarm_rule_repository import InMemoryAlarmRuleRepository
from flowauto.driven_adapters.in_memory.audit_log import InMemoryAuditLog
from flowauto.driven_adapters.in_memory.combo_repository import InMemoryComboRepository
from flowauto.driven_adapters.in_memory.connection_repository import (
    InMemoryConnectionRepository,
)
from flowauto.driven_adapters.in_memory.dag_repository import InMemoryDagRepository
from flowauto.driven_adapters.in_memory.event_bus import InMemoryEventBus
from flowauto.driven_adapters.in_memory.executor_repository import InMemoryExecutorRepository
from flowauto.driven_adapters.in_memory.lock_manager import InMemoryLockManager
from flowauto.driven_adapters.in_memory.request_budget import InProcessRequestBudget
from flowauto.driven_adapters.in_memory.run_repository import InMemoryRunRepository
from flowauto.driven_adapters.in_memory.switch_repository import InMemorySwitchRepository
from flowauto.driven_adapters.in_memory.token_cache import InMemoryTokenCache
from flowauto.driven_adapters.in_memory.worker_registry import InMemoryWorkerRegistry
from flowauto.driven_adapters.jsonschema_validator import JsonSchemaValidator
from flowauto.driven_adapters.kafka.event_bus import KafkaEventBus
from flowauto.driven_adapters.local_authenticator import LocalAdminAuthenticator
from flowauto.driven_adapters.mongo.client import create_mongo_client
from flowauto.driven_adapters.mongo.dag_repository import MongoDagRepository
from flowauto.driven_adapters.mongo.health import MongoHealthCheck
from flowauto.driven_adapters.mongo.run_repository import MongoRunRepository
from flowauto.driven_adapters.notify.alarm_notifier import HttpSmtpAlarmNotifier
from flowauto.driven_adapters.py3.subprocess_code_runner import SubprocessCodeRunner
from flowauto.driven_adapters.redis.health import RedisHealthCheck
from flowauto.driven_adapters.redis.lock_manager import RedisLockManager, create_redis_client
from flowauto.driven_adapters.redis.request_budget import RedisRequestBudget
from flowauto.driven_adapters.redis.token_cache import RedisTokenCache
from flowauto.driven_adapters.schedule.apscheduler_calendar import ApschedulerCronCalendar
from flowauto.driven_adapters.sql.alarm_rule_repository import SqlAlarmRuleRepository
from flowauto.driven_adapters.sql.audit_log import SqlAuditLog
from flowauto.driven_adapters.sql.combo_repository import SqlComboRepository
from flowauto.driven_adapters.sql.connection_repository import SqlConnectionRepository
from flowauto.driven_adapters.sql.dag_repository import SqlDagRepository
from flowauto.driven_adapters.sql.engine import create_sql_engine
from flowauto.driven_adapters.sql.executor_repository import SqlExecutorRepository
from flowauto.driven_adapters.sql.health import SqlHealthCheck
from flowauto.driven_adapters.sql.migration import migrate
from flowauto.driven_adapters.sql.node_leases import SqlNodeLeases
from flowauto.driven_adapters.sql.run_repository import SqlRunRepository
from flowauto.driven_adapters.sql.switch_repository import SqlSwitchRepository
from flowauto.driven_adapters.sql.worker_registry import SqlWorkerRegistry
from flowauto.driven_adapters.system_clock import SystemClock
from flowauto.driven_adapters.telemetry.logging_setup import (
    configure_logging as configure_log_output,
)
from flowauto.driven_adapters.telemetry.otel_tracer import NoTracer, OtelTracer
from flowauto.driven_adapters.telemetry.prometheus_metrics import NoMetrics, PrometheusMetrics
from flowauto.ports.alarm_notifier import AlarmNotifier
from flowauto.ports.alarm_rule_repository import AlarmRuleRepository
from flowauto.ports.audit_log import AuditLog
from flowauto.ports.authenticator import Authenticator
from flowauto.ports.code_runner import CodeRunner
from flowauto.ports.combo_repository import ComboRepository
from flowauto.ports.connection_repository import ConnectionRepository
from flowauto.ports.custom_action import CustomActions
from flowauto.ports.dag_repository import DagRepository
from flowauto.ports.event_bus import EventBus
from flowauto.ports.event_outbox import EventOutbox
from flowauto.ports.executor_client import ExecutorClient
from flowauto.ports.executor_repository import ExecutorRepository
from flowauto.ports.health import HealthCheck
from flowauto.ports.http_requester import HttpRequester
from flowauto.ports.lock_manager import LockManager
from flowauto.ports.request_budget import RequestBudget
from flowauto.ports.run_lease import RunLeases
from flowauto.ports.run_repository import RunRepository
from flowauto.ports.switch_repository import SwitchRepository
from flowauto.ports.worker_registry import WorkerRegistry
from flowauto.settings import AuthMode, EngineSettings, SchedulerSettings, Settings


@asynccontextmanager
async def build(settings: Settings) -> AsyncIterator[Services]:
    """Connects to the configured stores (migrating the SQL schema) and wires the services."""
    async with AsyncExitStack() as stack:
        checks: list[HealthCheck] = []
        sql_engine = await _open_sql(stack, settings.sql_url(), settings)
        checks.append(SqlHealthCheck("sql", sql_engine))
        dags, runs = await _open_document_stores(stack, settings, sql_engine, checks)
        http = await stack.enter_async_context(httpx.AsyncClient())
        redis = await _open_redis(stack, settings, checks)
        locks = RedisLockManager(redis) if redis is not None else InMemoryLockManager()
        telemetry = _telemetry(stack, settings)
        bus = await _open_bus(stack, settings, telemetry)
        roles = set(settings.server.roles.split(","))
        node_id = await _node_id(stack, settings, sql_engine)
        services = _services(
            dags=dags,
            runs=runs,
            authenticator=await _authenticator(stack, settings, redis),
            checks=checks,
            node_id=node_id,
            http=HttpxHttpRequester(http, AddressGuard(settings.http.allowed())),
            code=_code_runner(settings),
            engine=settings.engine if "worker" in roles else None,
            scheduler=settings.scheduler if "scheduler" in roles else None,
            locks=locks,
            webhook_key=_webhook_key(settings),
            executors=SqlExecutorRepository(sql_engine),
            connections=SqlConnectionRepository(sql_engine),
            combos=SqlComboRepository(sql_engine),
            alarm_rules=SqlAlarmRuleRepository(sql_engine),
            switches=SqlSwitchRepository(sql_engine),
            rate_limiter=_rate_limiter(settings, redis),
            alarm_notifier=_notifier(settings, http),
            box=_secret_box(settings),
            executor_client=HttpxExecutorClient(http, AddressGuard(settings.http.allowed())),
            public_url=settings.server.callback_base(),
            bus=bus,
            publish_lifecycle=bool(settings.kafka.bootstrap_servers),
            audit_log=SqlAuditLog(sql_engine),
            telemetry=telemetry,
            workers=SqlWorkerRegistry(sql_engine),
            worker_id=settings.engine.worker_name(),
            roles=sorted(roles),
        )
        # Entries still buffered are written before the SQL engine closes (stack order).
        stack.push_async_callback(services.audit.close)
        yield services


def build_in_memory(
    authenticator: Authenticator | None = None,
    http: HttpRequester | None = None,
    code: CodeRunner | None = None,
    custom: tuple[CustomActions, list[OperatorSpec]] | None = None,
    bus: EventBus | None = None,
    executor_client: ExecutorClient | None = None,
    public_url: str = "http://testserver.local",
    alarm_notifier: AlarmNotifier | None = None,
    rate_limiter: RequestBudget | None = None,
    telemetry: Telemetry | None = None,
) -> Services:
    """The same services wired to fakes: for unit tests and quick experiments. The engine is
    not started: runs are driven by the fast path (`kick`); start it for timers."""
    return _services(
        dags=InMemoryDagRepository(),
        runs=InMemoryRunRepository(),
        authenticator=authenticator or LocalAdminAuthenticator("admin", "Local admin"),
        checks=[],
        node_id=0,
        http=http or HttpxHttpRequester(httpx.AsyncClient(), AddressGuard()),
        engine=EngineSettings(worker="in-memory"),
        scheduler=SchedulerSettings(),
        locks=InMemoryLockManager(),
        webhook_key=secrets.token_bytes(32),
        executors=InMemoryExecutorRepository(),
        connections=InMemoryConnectionRepository(),
        combos=InMemoryComboRepository(),
        alarm_rules=InMemoryAlarmRuleRepository(),
        switches=InMemorySwitchRepository(),
        rate_limiter=rate_limiter,
        alarm_notifier=alarm_notifier
        or HttpSmtpAlarmNotifier(
            httpx.AsyncClient(), AddressGuard(), "127.0.0.1", 25, "flowauto@localhost"
        ),
        box=FernetSecretBox.generated(),
        executor_client=executor_client
        or HttpxExecutorClient(httpx.AsyncClient(), AddressGuard(["127.0.0.1"])),
        public_url=public_url,
        bus=bus or InMemoryEventBus(),
        publish_lifecycle=False,
        audit_log=InMemoryAuditLog(),
        telemetry=telemetry or Telemetry(PrometheusMetrics(), NoTracer()),
        workers=InMemoryWorkerRegistry(),
        worker_id="in-memory",
        roles=["api", "scheduler", "worker"],
        code=code,
        custom=custom,
    )


async def run_migrations(settings: Settings) -> None:
    async with AsyncExitStack() as stack:
        await _open_sql(stack, settings.sql_url(), settings)


class _RunStore(RunRepository, RunLeases, EventOutbox, Protocol):
    """Runs and their leases live together in every store."""


def _services(
    *,
    dags: DagRepository,
    runs: _RunStore,
    authenticator: Authenticator,
    checks: list[HealthCheck],
    node_id: int,
    http: HttpRequester,
    engine: EngineSettings | None,
    scheduler: SchedulerSettings | None,
    locks: LockManager,
    webhook_key: bytes,
    bus: EventBus,
    publish_lifecycle: bool,
    executors: ExecutorRepository,
    connections: ConnectionRepository,
    combos: ComboRepository,
    alarm_rules: AlarmRuleRepository,
    alarm_notifier: AlarmNotifier,
    switches: SwitchRepository,
    rate_limiter: RequestBudget | None,
    box: FernetSecretBox,
    executor_client: ExecutorClient,
    public_url: str,
    audit_log: AuditLog,
    telemetry: Telemetry,
    workers: WorkerRegistry,
    worker_id: str,
    roles: list[str],
    code: CodeRunner | None = None,
    custom: tuple[CustomActions, list[OperatorSpec]] | None = None,
) -> Services:
    """`custom`: actions beyond the built-ins with their catalog entries."""
    clock = SystemClock()
    ids = IdGenerator(node_id, clock.now_ms)
    steps = RunSteps(dags)
    run_engine = None
    executor_service = ExecutorService(repository=executors, box=box, ids=ids, clock=clock)
    connection_service = ConnectionService(repository=connections, box=box, ids=ids, clock=clock)
    combo_service = ComboService(repository=combos, dags=dags, ids=ids, clock=clock)
    alarm_service = AlarmService(
        repository=alarm_rules, notifier=alarm_notifier, dag_emails=dag_emails_of(dags),
        ids=ids, clock=clock,
    )  # fmt: skip
    custom_actions = custom[0] if custom else ExecutorActions(
        repository=executors, service=executor_service, client=executor_client,
        validator=JsonSchemaValidator(), public_url=public_url,
    )  # fmt: skip
    actions = StepActions(http=http, clock=clock, code=code, custom=custom_actions, bus=bus)
    catalog = OperatorCatalog.built_in().with_extra(custom[1] if custom else [])
    if engine is not None:
        tools = DriverTools(
            actions=actions,
            subdags=SubdagRuns(runs=runs, dags=dags, ids=ids, clock=clock),
            clock=clock,
            new_id=ids.next_id,
            worker=engine.worker_name(),
            telemetry=telemetry,
            max_batch_items=engine.max_batch_items,
            secrets=connection_service.secret,
            combos=combo_service.dag_of,
        )
        run_engine = RunEngine(
            runs=runs, leases=runs, steps=steps, tools=tools, lease_ms=engine.lease_ms,
            poll_ms=engine.poll_ms, capacity=engine.capacity,
        )  # fmt: skip
    # After the engine exists: run control kicks and aborts the engine's drivers.
    run_control = RunControl(runs=runs, leases=runs, dags=dags, engine=run_engine, clock=clock)
    run_control.listen(alarm_service)
    run_control.listen(telemetry)
    if run_engine is not None:
        run_engine.listen(alarm_service)
        run_engine.listen(telemetry)
    webhook_secrets = WebhookSecrets(webhook_key)
    dag_service = DagService(
        repository=dags, catalog=catalog, ids=ids, clock=clock, webhooks=webhook_secrets,
        extra_operators=_both(executor_service.operator_specs, combo_service.operator_specs),
    )  # fmt: skip
    run_service = RunService(
        runs=runs, dags=dags, steps=steps, engine=run_engine, ids=ids, clock=clock,
        dag_checker=dag_service, telemetry=telemetry,
    )  # fmt: skip
    cron, triggers, lifecycle = None, None, None
    if scheduler is not None:
        cron = CronScheduler(
            runs=run_service, calendar=ApschedulerCronCalendar(), clock=clock, locks=locks,
            refresh_ms=scheduler.refresh_ms,
        )  # fmt: skip
        triggers = EventTriggers(runs=run_service, bus=bus, refresh_ms=scheduler.refresh_ms)
        if publish_lifecycle:
            lifecycle = LifecyclePublisher(outbox=runs, bus=bus, locks=locks, source="flowauto")
    heartbeat = WorkerHeartbeat(
        registry=workers, clock=clock, worker_id=worker_id, host=socket.gethostname(),
        roles=roles, held_runs=_held_runs(run_engine),
    )  # fmt: skip
    admin = AdminService(
        registry=workers, runs=runs, clock=clock, engine=run_engine,
        beat_interval_ms=heartbeat.interval_ms,
    )  # fmt: skip
    return Services(
        dags=dag_service,
        dag_admin=DagAdminService(repository=dags, clock=clock),
        readiness=ReadinessService(checks),
        authenticator=authenticator,
        runs=run_service,
        executors=executor_service,
        connections=connection_service,
        combos=combo_service,
        alarms=alarm_service,
        maintenance=MaintenanceService(repository=switches, clock=clock),
        audit=AuditService(log=audit_log, clock=clock),
        telemetry=telemetry,
        rate_limiter=rate_limiter,
        webhooks=WebhookService(dags=dags, runs=run_service, secrets=webhook_secrets, clock=clock),
        scheduler=cron,
        event_triggers=triggers,
        lifecycle=lifecycle,
        step_debug=StepDebugService(actions=actions, clock=clock, ids=ids),
        run_control=run_control,
        engine=run_engine,
        queue_sampler=None
        if run_engine is None
        else QueueDepthSampler(runs=runs, metrics=telemetry.metrics, clock=clock),
        admin=admin,
        heartbeat=heartbeat,
    )


def _held_runs(engine: RunEngine | None) -> Callable[[], int]:
    """How many runs the local engine drives now (0 in a process without the worker role)."""
    if engine is None:
        return lambda: 0
    return lambda: engine.held


async def _open_sql(stack: AsyncExitStack, url: str, settings: Settings) -> AsyncEngine:
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_sql_engine(url)
    stack.push_async_callback(engine.dispose)
    await migrate(engine)
    return engine


async def _open_document_stores(
    stack: AsyncExitStack, settings: Settings, sql_engine: AsyncEngine, checks: list[HealthCheck]
) -> tuple[DagRepository, _RunStore]:
    """DAGs, versions, runs and task instances live in the document store."""
    url = settings.document_store_url()
    if url.startswith(("mongodb://", "mongodb+srv://")):
        client = create_mongo_client(url)
        stack.push_async_callback(client.close)
        repository = MongoDagRepository.of_client(client)
        await repository.ensure_indexes()
        checks.append(MongoHealthCheck("mongodb", client))
        runs = MongoRunRepository.of_client(client)
        await runs.ensure_indexes()
        return repository, runs
    engine = sql_engine
    if url != settings.sql_url():
        engine = await _open_sql(stack, url, settings)
        checks.append(SqlHealthCheck("document_store", engine))
    return SqlDagRepository(engine), SqlRunRepository(engine)


def _both(
    first: Callable[[Identity], Awaitable[list[OperatorSpec]]],
    second: Callable[[Identity], Awaitable[list[OperatorSpec]]],
) -> Callable[[Identity], Awaitable[list[OperatorSpec]]]:
    async def specs(caller: Identity) -> list[OperatorSpec]:
        return [*await first(caller), *await second(caller)]

    return specs


async def _open_redis(
    stack: AsyncExitStack, settings: Settings, checks: list[HealthCheck]
) -> Redis | None:
    """Redis when configured (locks and token cache shared by replicas); None: in-process."""
    if not settings.redis.url:
        return None
    client = create_redis_client(settings.redis.url)
    stack.push_async_callback(client.aclose)
    checks.append(RedisHealthCheck("redis", client))
    return client


async def _open_bus(stack: AsyncExitStack, settings: Settings, telemetry: Telemetry) -> EventBus:
    kafka = settings.kafka
    if not kafka.bootstrap_servers:
        bus = InMemoryEventBus()
        stack.push_async_callback(bus.close)
        return bus
    client_id = f"{kafka.client_id}-{settings.engine.worker_name()}"
    kafka_bus = KafkaEventBus(
        bootstrap_servers=kafka.bootstrap_servers, client_id=client_id,
        on_lag=telemetry.metrics.consumer_lag,
    )  # fmt: skip
    stack.push_async_callback(kafka_bus.close)
    return kafka_bus


async def _node_id(stack: AsyncExitStack, settings: Settings, sql_engine: AsyncEngine) -> int:
    """The configured node, or one leased from the SQL store for as long as this process
    lives (so no two live replicas generate ids on the same node)."""
    if settings.node_id is not None:
        return settings.node_id
    holder = f"{socket.gethostname()}/{os.getpid()}/{secrets.token_hex(4)}"
    keeper = await NodeLeaseKeeper.claimed(SqlNodeLeases(sql_engine), SystemClock(), holder)
    await keeper.start()
    # Released last (stack order): the engine has stopped making ids by then.
    stack.push_async_callback(keeper.stop)
    return keeper.node


def _telemetry(stack: AsyncExitStack, settings: Settings) -> Telemetry:
    """Prometheus metrics unless turned off; spans only when an OTLP endpoint is set."""
    metrics = PrometheusMetrics() if settings.metrics.enabled else NoMetrics()
    otel = settings.otel
    if not otel.endpoint:
        return Telemetry(metrics, NoTracer())
    tracer = OtelTracer.exporting_to(otel.endpoint, otel.service_name, otel.sample_ratio)
    stack.callback(tracer.shutdown)
    return Telemetry(metrics, tracer, pure_step_spans=otel.pure_step_spans)


def configure_logging(settings: Settings) -> None:
    """JSON lines (or text) on stdout for every logger of the process."""
    configure_log_output(settings.log.level, settings.log.format)


def _rate_limiter(settings: Settings, redis: Redis | None) -> RequestBudget | None:
    """Per-user budgets, shared by the replicas through Redis when it is configured."""
    limit = settings.rate_limit
    if not limit.per_minute:
        return None
    if redis is not None:
        return RedisRequestBudget(redis, limit.per_minute, limit.burst)
    return InProcessRequestBudget(limit.per_minute, limit.burst)


def _notifier(settings: Settings, http: httpx.AsyncClient) -> AlarmNotifier:
    smtp = settings.smtp
    return HttpSmtpAlarmNotifier(
        http, AddressGuard(settings.http.allowed()), smtp_host=smtp.host, smtp_port=smtp.port,
        sender=smtp.sender, smtp_user=smtp.user, smtp_password=smtp.password.get_secret_value(),
        starttls=smtp.starttls,
    )  # fmt: skip


def _secret_box(settings: Settings) -> FernetSecretBox:
    """Configured keys, or one random key kept in the data directory."""
    keys = settings.secrets.key_list()
    if keys:
        return FernetSecretBox.from_settings(keys)
    return FernetSecretBox([_kept_key(settings, "secrets.key", Fernet.generate_key).strip()])


def _webhook_key(settings: Settings) -> bytes:
    """The configured key, or one made once and kept in the data directory."""
    if settings.webhook.key:
        return settings.webhook.key.encode()
    return _kept_key(settings, "webhook.key", lambda: secrets.token_bytes(32))


def _kept_key(settings: Settings, name: str, make: Callable[[], bytes]) -> bytes:
    """A key made once and kept in the data directory (readable by this user only)."""
    path = settings.data_dir / name
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.write_bytes(make())
        path.chmod(0o600)
    return path.read_bytes()


def _code_runner(settings: Settings) -> CodeRunner | None:
    py3 = settings.py3
    if not py3.enabled:
        return None
    return SubprocessCodeRunner(
        cpu_seconds=py3.cpu_seconds, memory_mb=py3.memory_mb, wall_ms=py3.wall_ms
    )


async def _authenticator(
    stack: AsyncExitStack, settings: Settings, redis: Redis | None
) -> Authenticator:
    if settings.auth.mode is AuthMode.NONE:
        return LocalAdminAuthenticator(settings.auth.local_user_id, settings.auth.local_user_name)
    hydra = settings.hydra
    clock = SystemClock()
    authenticator = HydraAuthenticator(
        admin_url=hydra.admin_url,
        cache=RedisTokenCache(redis) if redis is not None else InMemoryTokenCache(clock),
        clock=clock,
        cache_s=hydra.cache_s,
        timeout_s=hydra.timeout_s,
        client_id=hydra.client_id or None,
        client_secret=hydra.client_secret.get_secret_value() or None,
    )
    stack.push_async_callback(authenticator.close)
    return authenticator
