"""Turns the credentials of a request into an Identity."""

from __future__ import annotations

from typing import Protocol

from flowauto.domain.identity import Identity


class Authenticator(Protocol):
    async def authenticate(self, authorization: str | None, biz_domain: str) -> Identity:
        """Returns the caller's identity in `biz_domain`; raises UnauthenticatedError when the
        credentials are missing or refused, UnavailableError when the provider is down."""
        ...
