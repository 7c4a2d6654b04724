"""Access tokens the mock has issued, kept in memory for introspection."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin

# Hydra's default access-token lifespan.
DEFAULT_TOKEN_TTL_S = 3600


def new_access_token() -> str:
    """An opaque, unguessable token value, like Hydra's (which are not JWTs by default)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedToken(TokenMixin):  # type: ignore[misc]
    """One access token and the claims introspection reveals about it."""

    access_token: str = field(repr=False)
    client_id: str
    sub: str
    scope: str
    ext: dict[str, Any]
    issued_at: int
    expires_at: int

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_at - self.issued_at

    def check_client(self, client: Any) -> bool:
        return bool(client.get_client_id() == self.client_id)

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return False

    def introspection(self) -> dict[str, Any]:
        """The claims Hydra's admin introspection returns for an active token."""
        return {
            "active": True,
            "sub": self.sub,
            "client_id": self.client_id,
            "scope": self.scope,
            "exp": self.expires_at,
            "iat": self.issued_at,
            "nbf": self.issued_at,
            "token_type": "Bearer",
            "token_use": "access_token",
            "ext": self.ext,
        }


def issue_token(
    *,
    sub: str,
    client_id: str,
    ttl_s: int,
    scope: str = "",
    ext: dict[str, Any] | None = None,
    access_token: str | None = None,
) -> IssuedToken:
    """A token valid for `ttl_s` seconds from now; zero or less gives one already expired."""
    # Whole seconds, so `exp` in introspection is exactly the moment the token stops working.
    issued_at = int(time.time())
    return IssuedToken(
        access_token=access_token or new_access_token(),
        client_id=client_id,
        sub=sub,
        scope=scope,
        ext=dict(ext or {}),
        issued_at=issued_at,
        expires_at=issued_at + ttl_s,
    )


class TokenStore:
    """Expired tokens are kept (they introspect as inactive) until `clear`."""

    def __init__(self) -> None:
        self._by_value: dict[str, IssuedToken] = {}

    def add(self, token: IssuedToken) -> None:
        self._by_value[token.access_token] = token

    def find(self, access_token: str) -> IssuedToken | None:
        return self._by_value.get(access_token)

    def clear(self) -> None:
        self._by_value.clear()
