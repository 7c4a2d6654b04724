"""Every HTTP request: a span (joining the caller's trace from `traceparent`), the request
metrics by route template, and one access log line."""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from flowauto.application.telemetry import Telemetry

access_log = logging.getLogger("flowauto.access")

# Probes and scrapes every few seconds would drown the access log; they log at DEBUG.
_QUIET_PREFIXES = ("/health", "/metrics")


def observability_middleware(telemetry: Telemetry, server: str) -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            await _observed(app, telemetry, server, scope, receive, send)

        return middleware

    return factory


async def _observed(
    app: ASGIApp, telemetry: Telemetry, server: str, scope: Scope, receive: Receive, send: Send
) -> None:
    method = str(scope.get("method", ""))
    route = str(scope.get("path_template") or scope["path"])
    status = 500

    async def sending(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        await send(message)

    parent = _header(scope, b"traceparent")
    attributes: dict[str, str | int] = {"http.request.method": method, "http.route": route}
    started = time.perf_counter()
    with telemetry.tracer.span(f"{method} {route}", attributes, parent=parent) as span:
        try:
            await app(scope, receive, sending)
        finally:
            span.set("http.response.status_code", status)
            if status >= 500:
                span.failed(f"HTTP {status}")
            elapsed = time.perf_counter() - started
            telemetry.metrics.http_request(server, method, route, status, elapsed)
            _log_access(server, method, route, status, elapsed)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


def _log_access(server: str, method: str, route: str, status: int, elapsed_s: float) -> None:
    level = logging.DEBUG if route.startswith(_QUIET_PREFIXES) else logging.INFO
    if access_log.isEnabledFor(level):
        access_log.log(level, "request", extra={
            "server": server, "method": method, "route": route, "status": status,
            "duration_ms": round(elapsed_s * 1000, 3),
        })  # fmt: skip
