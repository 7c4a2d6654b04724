"""What the driver adapters (HTTP apps, CLI) are given: the use cases and nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from flowauto.application.dag_service import DagAdminService, DagService
from flowauto.application.readiness import ReadinessService
from flowauto.ports.authenticator import Authenticator


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    dags: DagService
    dag_admin: DagAdminService
    readiness: ReadinessService
    authenticator: Authenticator
