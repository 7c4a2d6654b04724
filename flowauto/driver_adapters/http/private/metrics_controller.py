"""`GET /metrics`: the Prometheus scrape (anonymous: the private port is cluster-internal)."""

from __future__ import annotations

from litestar import Response, get

from flowauto.driver_adapters.http.dependencies import Services


@get("/metrics", opt={"anonymous": True}, tags=["health"], include_in_schema=False)
async def metrics(services: Services) -> Response[bytes]:
    body, content_type = services.telemetry.metrics.exposition()
    return Response(body, media_type=content_type)
