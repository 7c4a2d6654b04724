"""Calling a custom executor's action over HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorCall:
    url: str
    method: str
    body: Mapping[str, Any]
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout_ms: int = 30_000
    hmac_secret: str = ""
    """When set, the body is signed: X-Flowauto-Timestamp and X-Flowauto-Signature."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutorReply:
    status: int
    body: Any


class ExecutorClient(Protocol):
    async def call(self, call: ExecutorCall) -> ExecutorReply:
        """Sends the call (SSRF-guarded, with bounded retries on connection errors and 5xx,
        behind a per-host circuit breaker); raises StepFailure when it cannot be delivered."""
        ...
