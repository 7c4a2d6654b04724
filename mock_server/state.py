"""Everything the mock remembers, in memory, for as long as the process lives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mock_server.authorization_server import MockAuthorizationServer
from mock_server.config import ClientCredentials
from mock_server.schemas import DirectoryClaims
from mock_server.token_store import IssuedToken, TokenStore, issue_token
from mock_server.user_directory import DirectoryUser, UserDirectory

# The client minted user tokens appear to come from, as if a login app had obtained them; it is
# never a configured client, so a minted token is an app-account token only if sub says so.
MINTING_CLIENT_ID = "mock-login"


@dataclass(slots=True)
class Counters:
    introspections: int = 0


class MockState:
    def __init__(self, clients: Iterable[ClientCredentials]) -> None:
        self.tokens = TokenStore()
        self.directory = UserDirectory()
        self.counters = Counters()
        self.authorization = MockAuthorizationServer(clients, self.tokens)

    def mint(self, *, sub: str, ext: dict[str, Any], ttl_s: int) -> IssuedToken:
        """Issues a user token as if `sub` had logged in, and records the user's claims."""
        token = issue_token(sub=sub, client_id=MINTING_CLIENT_ID, ttl_s=ttl_s, ext=ext)
        self.tokens.add(token)
        return token

    def record_user(self, user_id: str, claims: DirectoryClaims) -> None:
        """Claims left out keep what the directory knew (a seeded user keeps its groups)."""
        known = self.directory.get(user_id) or DirectoryUser(id=user_id, name=user_id)
        self.directory.put(
            DirectoryUser(
                id=user_id,
                name=claims.name if claims.name is not None else known.name,
                departments=_given_or(claims.departments, known.departments),
                groups=_given_or(claims.groups, known.groups),
            )
        )

    def reset(self) -> None:
        """Forgets tokens and counters; the user directory stays (PUT overwrites a user)."""
        self.tokens.clear()
        self.counters = Counters()


def _given_or(given: list[str] | None, known: tuple[str, ...]) -> tuple[str, ...]:
    return known if given is None else tuple(given)
