"""Bearer tokens checked at Hydra's admin introspection endpoint, answers cached briefly.

Active answers are cached until the token's `exp`, at most `cache_s`; inactive answers for a
few seconds, so a flood of forged tokens does not become a flood of introspections. Hydra
unreachable or failing is a 503: a token is never taken as valid without Hydra's word.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from typing import Any

import authlib.deprecate  # noqa: F401 (it installs an "always" filter on import; see below)
import httpx

from flowauto.domain.errors import (
    IdentityProviderUnavailableError,
    StoreUnavailableError,
    UnauthenticatedError,
)
from flowauto.domain.identity import Identity
from flowauto.driven_adapters.hydra.claims import identity_from_claims
from flowauto.ports.authenticator import Authenticator
from flowauto.ports.clock import Clock
from flowauto.ports.token_cache import TokenCache

with warnings.catch_warnings():
    # authlib prefers the httpx2 fork and warns when it falls back to httpx, which is the
    # client the rest of flowauto uses; pyproject pins authlib below the release that drops it.
    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client

logger = logging.getLogger(__name__)

INTROSPECT_PATH = "/admin/oauth2/introspect"
INACTIVE_CACHE_MS = 5_000
_BEARER = "bearer "
_INACTIVE = b"{}"


class HydraAuthenticator(Authenticator):
    def __init__(
        self,
        *,
        admin_url: str,
        cache: TokenCache,
        clock: Clock,
        cache_s: int = 60,
        timeout_s: float = 5.0,
        client_id: str | None = None,
        client_secret: str | None = None,
    ) -> None:
        self._url = admin_url.rstrip("/") + INTROSPECT_PATH
        self._cache = cache
        self._clock = clock
        self._max_cache_ms = cache_s * 1000
        self._client = AsyncOAuth2Client(
            client_id=client_id, client_secret=client_secret, timeout=timeout_s
        )
        self._cache_failing = False

    async def close(self) -> None:
        await self._client.aclose()

    async def authenticate(self, authorization: str | None, biz_domain: str) -> Identity:
        token = _bearer_token(authorization)
        key = hashlib.sha256(token.encode()).hexdigest()
        claims = await self._cached(key)
        if claims is None:
            claims = await self._introspect(token)
            await self._keep(key, claims)
        if not claims:
            raise UnauthenticatedError("the bearer token is not active (unknown or expired)")
        return identity_from_claims(claims, biz_domain)

    async def _introspect(self, token: str) -> dict[str, Any]:
        """Hydra's answer: the claims of an active token, {} for an inactive one."""
        try:
            response: httpx.Response = await self._client.introspect_token(
                self._url, token=token, token_type_hint="access_token"
            )
        except httpx.HTTPError as error:
            raise IdentityProviderUnavailableError(type(error).__name__) from error
        if response.status_code != 200:
            raise IdentityProviderUnavailableError(f"introspection answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError as error:
            raise IdentityProviderUnavailableError("introspection answered no JSON") from error
        if not isinstance(answer, dict) or answer.get("active") is not True:
            return {}
        return answer if self._still_valid(answer) else {}

    def _still_valid(self, claims: dict[str, Any]) -> bool:
        expires = claims.get("exp")
        return not isinstance(expires, int) or expires > self._clock.now()

    async def _cached(self, key: str) -> dict[str, Any] | None:
        try:
            value = await self._cache.get(key)
        except StoreUnavailableError as error:
            self._note_cache_failure(error)
            return None
        self._cache_failing = False
        if value is None:
            return None
        claims: dict[str, Any] = json.loads(value)
        return claims if not claims or self._still_valid(claims) else None

    async def _keep(self, key: str, claims: dict[str, Any]) -> None:
        try:
            await self._cache.put(key, _encode(claims), self._ttl_ms(claims))
        except StoreUnavailableError as error:
            self._note_cache_failure(error)

    def _ttl_ms(self, claims: dict[str, Any]) -> int:
        if not claims:
            return min(INACTIVE_CACHE_MS, self._max_cache_ms)
        expires = claims.get("exp")
        if not isinstance(expires, int):
            return self._max_cache_ms
        return min(expires * 1000 - self._clock.now_ms(), self._max_cache_ms)

    def _note_cache_failure(self, error: StoreUnavailableError) -> None:
        """A cache outage only costs introspections; it is logged once, not per request."""
        if not self._cache_failing:
            logger.warning("token cache unavailable, introspecting every request: %s", error)
        self._cache_failing = True


def _bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise UnauthenticatedError("the Authorization header is missing (Bearer token)")
    if not authorization.lower().startswith(_BEARER) or not authorization[len(_BEARER) :].strip():
        raise UnauthenticatedError("the Authorization header must be 'Bearer <token>'")
    return authorization[len(_BEARER) :].strip()


def _encode(claims: dict[str, Any]) -> bytes:
    return json.dumps(claims, separators=(",", ":")).encode() if claims else _INACTIVE
