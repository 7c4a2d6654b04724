"""Webhook triggers: per-DAG secrets derived from a server key, and signature checks.

A sender signs `<timestamp>.<body>` with HMAC-SHA256 under the DAG's secret and sends
`X-Flowauto-Timestamp` and `X-Flowauto-Signature: sha256=<hex>`; or, when it cannot sign, it
sends the secret itself as `X-Flowauto-Token`. Signatures older than the replay window fail.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flowauto.domain.errors import FieldInvalidError, UnauthenticatedError

REPLAY_WINDOW_S = 300
SIGNATURE_PREFIX = "sha256="


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookProof:
    """What a webhook call brings to prove it knows the DAG's secret."""

    timestamp: str | None = None
    signature: str | None = None
    token: str | None = None


class WebhookSecrets:
    """Secrets are HMAC(server key, DAG id): nothing to store, the same on every replica that
    shares the key, rotated by rotating the key."""

    def __init__(self, server_key: bytes) -> None:
        self._key = server_key

    def secret_for(self, dag_id: str) -> str:
        return hmac.new(self._key, f"webhook:{dag_id}".encode(), hashlib.sha256).hexdigest()

    def verify(self, dag_id: str, body: bytes, proof: WebhookProof, now: int) -> None:
        """Raises UnauthenticatedError (401) or FieldInvalidError (400) naming the header."""
        secret = self.secret_for(dag_id)
        if proof.signature is None:
            if proof.token is None:
                raise UnauthenticatedError(
                    "sign the body (X-Flowauto-Signature) or send X-Flowauto-Token"
                )
            if not hmac.compare_digest(proof.token.encode(), secret.encode()):
                raise UnauthenticatedError("the webhook token is wrong")
            return
        timestamp = _timestamp(proof.timestamp)
        if abs(now - timestamp) > REPLAY_WINDOW_S:
            raise UnauthenticatedError(
                f"the signature's timestamp is more than {REPLAY_WINDOW_S} s away from now"
            )
        expected = sign(secret, timestamp, body)
        if not hmac.compare_digest(proof.signature.encode(), expected.encode()):
            raise UnauthenticatedError("the webhook signature does not match the body")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def _timestamp(text: str | None) -> int:
    if text is None or not text.strip().isdigit():
        raise FieldInvalidError("X-Flowauto-Timestamp", "must be Unix seconds when signing")
    return int(text)
