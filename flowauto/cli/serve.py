"""`flowauto serve` and `flowauto migrate`: the server process and its schema."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import sys
from typing import Protocol

from flowauto.application.services import Services
from flowauto.bootstrap import build, configure_logging, run_migrations
from flowauto.cli.command_error import CommandError, ExitCode
from flowauto.driver_adapters.http.server import Listen, serve_http
from flowauto.settings import AuthMode, Settings

ALL_ROLES = frozenset({"api", "worker", "scheduler"})
SWITCH_INTERVAL_S = 0.0005


class ConfigurationError(CommandError):
    """The settings cannot work; the message tells the operator what to change."""

    exit_code = ExitCode.USAGE


def serve(args: argparse.Namespace) -> int:
    settings = Settings()
    server = settings.server.model_copy(
        update={
            key: value
            for key, value in {
                "host": args.host,
                "public_port": args.public_port,
                "private_port": args.private_port,
                "roles": args.roles,
            }.items()
            if value is not None
        }
    )
    settings = settings.model_copy(update={"server": server})
    _check_serve_settings(settings)
    configure_logging(settings)
    # Database drivers (aiosqlite, the SQLAlchemy pool) hand work to threads; with the default
    # 5 ms switch interval a busy event loop keeps them waiting for the GIL that long per hop.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    asyncio.run(_serve_async(settings))
    return 0


async def _serve_async(settings: Settings) -> None:
    async with build(settings) as services:
        server = settings.server
        listen = Listen(
            public_host=server.host,
            public_port=server.public_port,
            private_host=server.private_host,
            private_port=server.private_port,
            max_body_bytes=server.max_body_bytes,
            serve_public="api" in _roles(server.roles),
        )
        await services.heartbeat.start()
        if services.engine is not None:
            await services.engine.start()
        for role_loop in _role_loops(services):
            await role_loop.start()
        try:
            await serve_http(services, listen)
        finally:
            # SIGTERM: the servers have stopped taking requests; let running steps finish.
            for role_loop in reversed(_role_loops(services)):
                await role_loop.stop()
            if services.engine is not None:
                await services.engine.stop(settings.engine.drain_s)
            # Last: the process leaves the worker list once its runs are handed back.
            await services.heartbeat.stop()


def _check_serve_settings(settings: Settings) -> None:
    roles = _roles(settings.server.roles)
    if not roles or not roles <= ALL_ROLES:
        raise ConfigurationError(
            f"--roles must be a comma-separated subset of {','.join(sorted(ALL_ROLES))}"
        )
    if settings.auth.mode is AuthMode.NONE and not _is_loopback(settings.server.host):
        raise ConfigurationError(
            f"auth mode 'none' makes every caller an admin, so the public API may only bind "
            f"to a loopback address, not {settings.server.host!r}; set FLOWAUTO_AUTH__MODE=hydra "
            f"or --host 127.0.0.1"
        )
    if settings.auth.mode is AuthMode.HYDRA and not settings.hydra.admin_url:
        raise ConfigurationError(
            "auth mode 'hydra' needs Hydra's admin URL: set FLOWAUTO_HYDRA__ADMIN_URL "
            "(e.g. http://hydra-admin:4445)"
        )


def _roles(text: str) -> set[str]:
    return {role.strip() for role in text.split(",") if role.strip()}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def migrate(_: argparse.Namespace) -> int:
    asyncio.run(run_migrations(Settings()))
    print("schema is up to date")
    return 0


class _RoleLoop(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def _role_loops(services: Services) -> list[_RoleLoop]:
    """The loops this process's roles run beside the servers and the engine."""
    loops: list[_RoleLoop | None] = [
        services.scheduler,
        services.event_triggers,
        services.lifecycle,
        services.queue_sampler,
    ]
    return [loop for loop in loops if loop is not None]
