"""What the driver adapters (HTTP apps, CLI) are given: the use cases and nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from flowauto.application.admin_service import AdminService
from flowauto.application.alarm_service import AlarmService
from flowauto.application.audit_service import AuditService
from flowauto.application.combo_service import ComboService
from flowauto.application.connection_service import ConnectionService
from flowauto.application.cron_scheduler import CronScheduler
from flowauto.application.dag_service import DagAdminService, DagService
from flowauto.application.event_triggers import EventTriggers
from flowauto.application.executor_service import ExecutorService
from flowauto.application.lifecycle_publisher import LifecyclePublisher
from flowauto.application.maintenance_service import MaintenanceService
from flowauto.application.queue_sampler import QueueDepthSampler
from flowauto.application.readiness import ReadinessService
from flowauto.application.run_control import RunControl
from flowauto.application.run_engine import RunEngine
from flowauto.application.run_service import RunService
from flowauto.application.step_debug import StepDebugService
from flowauto.application.telemetry import Telemetry
from flowauto.application.webhook_service import WebhookService
from flowauto.application.worker_heartbeat import WorkerHeartbeat
from flowauto.ports.authenticator import Authenticator
from flowauto.ports.request_budget import RequestBudget


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    dags: DagService
    dag_admin: DagAdminService
    readiness: ReadinessService
    authenticator: Authenticator
    runs: RunService
    executors: ExecutorService
    connections: ConnectionService
    combos: ComboService
    alarms: AlarmService
    maintenance: MaintenanceService
    audit: AuditService
    telemetry: Telemetry
    rate_limiter: RequestBudget | None
    """None: no per-user limit."""
    webhooks: WebhookService
    step_debug: StepDebugService
    run_control: RunControl
    scheduler: CronScheduler | None
    """None in a process without the scheduler role (as are the next two)."""
    event_triggers: EventTriggers | None
    lifecycle: LifecyclePublisher | None
    """None also when the bus is in-process (nobody outside could read the events)."""
    engine: RunEngine | None
    queue_sampler: QueueDepthSampler | None
    """None in a process without the worker role."""
    """None in a process without the worker role: its runs wait for a worker to claim them."""
    admin: AdminService
    heartbeat: WorkerHeartbeat
    """Every process beats, whatever its roles, so `GET /admin/workers` lists them all."""
