"""The `flowauto` command: serve, migrate, version."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import sys
from collections.abc import Sequence
from typing import Protocol

import flowauto
from flowauto.application.services import Services
from flowauto.bootstrap import build, run_migrations
from flowauto.driver_adapters.http.server import Listen, serve_http
from flowauto.settings import AuthMode, Settings

ALL_ROLES = frozenset({"api", "worker", "scheduler"})
SWITCH_INTERVAL_S = 0.0005


class ConfigurationError(Exception):
    """The settings cannot work; the message tells the operator what to change."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ConfigurationError as error:
        print(f"flowauto: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowauto", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the server (public and private APIs)")
    serve.add_argument("--host", help="public API address (default 127.0.0.1)")
    serve.add_argument("--public-port", type=int, help="public API port (default 8082)")
    serve.add_argument("--private-port", type=int, help="private API port (default 8083)")
    serve.add_argument("--roles", help="comma-separated subset of api,worker,scheduler")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="create or upgrade the SQL schema")
    migrate.set_defaults(run=_migrate)

    version = commands.add_parser("version", help="print the version")
    version.set_defaults(run=lambda _: print(flowauto.__version__) or 0)
    return parser


def _serve(args: argparse.Namespace) -> int:
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
    logging.basicConfig(level=settings.log.level.upper(), stream=sys.stderr)
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
    if settings.auth.mode is not AuthMode.NONE:
        raise ConfigurationError(
            f"auth mode {settings.auth.mode.value!r} is not available in this version; use 'none'"
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


def _migrate(_: argparse.Namespace) -> int:
    asyncio.run(run_migrations(Settings()))
    print("schema is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())


class _RoleLoop(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def _role_loops(services: Services) -> list[_RoleLoop]:
    """The scheduler role's loops this process runs (none without the role)."""
    loops: list[_RoleLoop | None] = [
        services.scheduler,
        services.event_triggers,
        services.lifecycle,
    ]
    return [loop for loop in loops if loop is not None]
