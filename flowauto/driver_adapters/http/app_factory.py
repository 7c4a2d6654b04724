"""What both Litestar apps share: error table, identity guard, services, OpenAPI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.types import ControllerRouterHandler, Guard

import flowauto
from flowauto.application.services import Services
from flowauto.driver_adapters.http.audit import audit_middleware
from flowauto.driver_adapters.http.errors import EXCEPTION_HANDLERS
from flowauto.driver_adapters.http.identity import provide_caller
from flowauto.driver_adapters.http.observability import observability_middleware


def make_app(
    *,
    title: str,
    server: str,
    services: Services,
    handlers: Sequence[ControllerRouterHandler],
    guard: Guard,
    max_body_bytes: int,
    more_guards: Sequence[Guard] = (),
) -> Litestar:
    async def provide_services() -> Services:
        return services

    dependencies: dict[str, Any] = {
        "services": Provide(provide_services, use_cache=True),
        "caller": Provide(provide_caller),
    }
    return Litestar(
        route_handlers=list(handlers),
        dependencies=dependencies,
        guards=[guard, *more_guards],
        middleware=[
            observability_middleware(services.telemetry, server),
            audit_middleware(services.audit),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=max_body_bytes,
        openapi_config=OpenAPIConfig(title=title, version=flowauto.__version__, path="/schema"),
        debug=False,
        # The process configures logging once (JSON lines, levels); Litestar's default
        # config would install its own handlers and format over it.
        logging_config=None,
    )
