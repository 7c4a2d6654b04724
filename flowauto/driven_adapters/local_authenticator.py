"""Auth mode `none`: every caller is the configured local admin (loopback only)."""

from __future__ import annotations

from flowauto.domain.identity import ADMIN_ROLE, Identity
from flowauto.ports.authenticator import Authenticator


class LocalAdminAuthenticator(Authenticator):
    def __init__(self, user_id: str, name: str) -> None:
        self._user_id = user_id
        self._name = name

    async def authenticate(self, authorization: str | None, biz_domain: str) -> Identity:
        return Identity(
            user_id=self._user_id,
            name=self._name,
            roles=frozenset({ADMIN_ROLE}),
            biz_domain=biz_domain,
        )
