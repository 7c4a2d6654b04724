"""Runs the public and private apps side by side in one asyncio process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Generator
from dataclasses import dataclass

import uvicorn

from flowauto.application.services import Services
from flowauto.driver_adapters.http.private.app import create_private_app
from flowauto.driver_adapters.http.public.app import create_public_app

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Listen:
    public_host: str
    public_port: int
    private_host: str
    private_port: int
    max_body_bytes: int
    serve_public: bool = True
    """False when this process has no `api` role: only the private port (probes) listens."""


class _QuietSignalsServer(uvicorn.Server):
    """Signals are handled once for both servers by `serve_http`, not by each server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def serve_http(services: Services, listen: Listen) -> None:
    """Serves until SIGINT or SIGTERM, then lets in-flight requests finish."""
    servers = [
        _server(
            create_private_app(services, max_body_bytes=listen.max_body_bytes),
            listen.private_host,
            listen.private_port,
        )
    ]
    if listen.serve_public:
        public = create_public_app(services, max_body_bytes=listen.max_body_bytes)
        servers.append(_server(public, listen.public_host, listen.public_port))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop, servers)
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _stop(servers: list[uvicorn.Server]) -> None:
    for server in servers:
        server.should_exit = True


def _server(app: object, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=20,
    )
    return _QuietSignalsServer(config)
