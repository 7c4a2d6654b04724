"""The body a token endpoint answers with, for tokens the mock mints itself."""

from __future__ import annotations

from typing import Any

from mock_server.token_store import IssuedToken


def token_response(token: IssuedToken) -> dict[str, Any]:
    """Like Hydra's token endpoint; an already-expired token reports `expires_in: 0`."""
    return {
        "access_token": token.access_token,
        "token_type": "bearer",
        "expires_in": max(token.get_expires_in(), 0),
    }
