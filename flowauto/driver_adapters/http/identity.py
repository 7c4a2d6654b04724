"""Every request is authenticated by one app-wide guard, so no route can forget it.

Handlers that must answer anonymously (health probes) say so with `opt={"anonymous": True}`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from flowauto.domain.errors import FieldInvalidError
from flowauto.domain.identity import ADMIN_ROLE, DEFAULT_BIZ_DOMAIN, Identity
from flowauto.ports.authenticator import Authenticator

BIZ_DOMAIN_HEADER = "X-Business-Domain"
_BIZ_DOMAIN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_SCHEMA_PREFIX = "/schema"


Connection = ASGIConnection[Any, Any, Any, Any]
Identify = Callable[[Connection], Awaitable[Identity]]


def identity_guard(authenticator: Authenticator) -> Guard:
    """The public port: credentials are checked by the configured authenticator."""

    async def authenticate(connection: Connection) -> Identity:
        biz_domain = business_domain_of(connection.headers.get(BIZ_DOMAIN_HEADER))
        return await authenticator.authenticate(connection.headers.get("Authorization"), biz_domain)

    return _guard(authenticate)


def business_domain_of(header: str | None) -> str:
    if header is None or header == "":
        return DEFAULT_BIZ_DOMAIN
    if not _BIZ_DOMAIN.match(header):
        raise FieldInvalidError(
            BIZ_DOMAIN_HEADER, "must be 1-64 characters of letters, digits, '.', '_' or '-'"
        )
    return header


async def provide_caller(request: Request[Any, Any, Any]) -> Identity:
    identity: Identity = request.state.identity
    return identity


USER_ID_HEADER = "X-User-Id"
SERVICE_USER = "system"


def trusted_identity_guard() -> Guard:
    """The private port trusts the cluster network: callers name the user they act for."""

    async def identify(connection: Connection) -> Identity:
        return Identity(
            user_id=connection.headers.get(USER_ID_HEADER) or SERVICE_USER,
            roles=frozenset({ADMIN_ROLE}),
            biz_domain=business_domain_of(connection.headers.get(BIZ_DOMAIN_HEADER)),
        )

    return _guard(identify)


def _guard(identify: Identify) -> Guard:
    """Sets `state.identity` for every request except anonymous handlers and the schema."""

    async def guard(connection: Connection, handler: BaseRouteHandler) -> None:
        if handler.opt.get("anonymous") or connection.url.path.startswith(_SCHEMA_PREFIX):
            return
        connection.state.identity = await identify(connection)

    return guard
