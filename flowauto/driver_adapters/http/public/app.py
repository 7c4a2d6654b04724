"""The public API (port 8082, /api/automation/v1)."""

from __future__ import annotations

import time
from typing import Any

from litestar import Litestar
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from flowauto.application.services import Services
from flowauto.domain.identity import Identity
from flowauto.driver_adapters.http.app_factory import make_app
from flowauto.driver_adapters.http.identity import identity_guard
from flowauto.driver_adapters.http.public.action_controller import ActionController
from flowauto.driver_adapters.http.public.alarm_controller import AlarmRuleController
from flowauto.driver_adapters.http.public.audit_controller import AuditLogController
from flowauto.driver_adapters.http.public.combo_controller import ComboController
from flowauto.driver_adapters.http.public.connection_controller import ConnectionController
from flowauto.driver_adapters.http.public.dag_controller import DagController
from flowauto.driver_adapters.http.public.debug_controller import DebugController
from flowauto.driver_adapters.http.public.executor_controller import ExecutorController
from flowauto.driver_adapters.http.public.run_controller import (
    DagRunController,
    InstanceController,
    TaskController,
)
from flowauto.driver_adapters.http.public.webhook_controller import WebhookController


def create_public_app(services: Services, *, max_body_bytes: int) -> Litestar:
    return make_app(
        title="flowauto public API",
        server="public",
        services=services,
        handlers=[
            DagController,
            ActionController,
            DagRunController,
            InstanceController,
            TaskController,
            DebugController,
            WebhookController,
            ExecutorController,
            ConnectionController,
            ComboController,
            AlarmRuleController,
            AuditLogController,
        ],
        guard=identity_guard(services.authenticator),
        more_guards=[rate_limit_guard(services), maintenance_guard(services)],
        max_body_bytes=max_body_bytes,
    )


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def maintenance_guard(services: Services) -> Guard:
    """While the maintenance switch is on, public writes answer 503 (reads still work)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if connection.scope.get("method") in _WRITES:
            await services.maintenance.check_write()

    return guard


def rate_limit_guard(services: Services) -> Guard:
    """Spends one request of the caller's budget (after the identity guard found the caller);
    anonymous routes prove themselves otherwise and are not counted."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        limiter = services.rate_limiter
        identity = getattr(connection.state, "identity", None)
        if limiter is not None and isinstance(identity, Identity):
            key = f"{identity.biz_domain}/{identity.user_id}"
            await limiter.take(key, time.time_ns() // 1_000_000)

    return guard
