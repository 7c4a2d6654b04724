"""Encryption of secrets at rest."""

from __future__ import annotations

from typing import Protocol


class SecretBox(Protocol):
    """Authenticated encryption: a token that was altered, or made with a key the box no
    longer holds, does not decrypt."""

    def encrypt(self, plain: str) -> bytes:
        """Returns an opaque token for `plain`; two calls give different tokens."""
        ...

    def decrypt(self, token: bytes) -> str:
        """Returns the plain text; raises SecretUnreadableError when the token is bad."""
        ...
