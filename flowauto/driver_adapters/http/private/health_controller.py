"""Liveness and readiness probes (anonymous: the private port is cluster-internal)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get

from flowauto.driver_adapters.http.dependencies import Services


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    opt = {"anonymous": True}

    @get("/alive")
    async def alive(self) -> dict[str, str]:
        return {"status": "alive"}

    @get("/ready")
    async def ready(self, services: Services) -> Response[dict[str, Any]]:
        down = await services.readiness.down()
        if down:
            names = ", ".join(sorted(down))
            return Response(
                {
                    "code": "unavailable.NotReady",
                    "message": f"not ready: {names} down",
                    "detail": {"down": down, "checked": services.readiness.names},
                },
                status_code=503,
            )
        return Response({"status": "ready", "checked": services.readiness.names})
