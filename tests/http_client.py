"""Litestar test clients over the in-memory wiring, and a test authenticator.

`TokenAuthenticator` reads tokens of the form "user=u1;roles=admin;departments=d1;groups=g1"
so tests can act as any user without an identity provider.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar.testing import AsyncTestClient

from flowauto.application.services import Services
from flowauto.bootstrap import build_in_memory
from flowauto.domain.errors import UnauthenticatedError
from flowauto.domain.identity import Identity
from flowauto.driver_adapters.http.private.app import create_private_app
from flowauto.driver_adapters.http.public.app import create_public_app
from flowauto.ports.authenticator import Authenticator

MAX_BODY = 1024 * 1024
API = "/api/automation/v1"


class TokenAuthenticator(Authenticator):
    async def authenticate(self, authorization: str | None, biz_domain: str) -> Identity:
        if not authorization or not authorization.startswith("Bearer "):
            raise UnauthenticatedError("a bearer token is required")
        claims = dict(part.split("=", 1) for part in authorization[7:].split(";") if "=" in part)
        if "user" not in claims:
            raise UnauthenticatedError("the token names no user")

        def listed(key: str) -> frozenset[str]:
            return frozenset(filter(None, claims.get(key, "").split(",")))

        return Identity(
            user_id=claims["user"],
            roles=listed("roles"),
            departments=listed("departments"),
            groups=listed("groups"),
            biz_domain=biz_domain,
        )


def as_user(user: str, **claims: str) -> dict[str, str]:
    token = ";".join([f"user={user}", *(f"{k}={v}" for k, v in claims.items())])
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def public_client(
    services: Services | None = None,
) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    app = create_public_app(services or build_in_memory(), max_body_bytes=MAX_BODY)
    async with AsyncTestClient(app=app) as client:
        yield client


@asynccontextmanager
async def private_client(services: Services) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    app = create_private_app(services, max_body_bytes=MAX_BODY)
    async with AsyncTestClient(app=app) as client:
        yield client
