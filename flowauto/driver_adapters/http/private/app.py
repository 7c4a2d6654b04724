"""The private API (port 8083): probes and service-to-service administration."""

from __future__ import annotations

from litestar import Litestar

from flowauto.application.services import Services
from flowauto.driver_adapters.http.app_factory import make_app
from flowauto.driver_adapters.http.identity import trusted_identity_guard
from flowauto.driver_adapters.http.private.admin_controller import AdminController
from flowauto.driver_adapters.http.private.dag_admin_controller import DagAdminController
from flowauto.driver_adapters.http.private.health_controller import HealthController
from flowauto.driver_adapters.http.private.metrics_controller import metrics
from flowauto.driver_adapters.http.private.run_start_controller import ServiceRunController
from flowauto.driver_adapters.http.private.switch_controller import SwitchController


def create_private_app(services: Services, *, max_body_bytes: int) -> Litestar:
    return make_app(
        title="flowauto private API",
        server="private",
        services=services,
        handlers=[
            HealthController,
            metrics,
            DagAdminController,
            SwitchController,
            AdminController,
            ServiceRunController,
        ],
        guard=trusted_identity_guard(),
        max_body_bytes=max_body_bytes,
    )
