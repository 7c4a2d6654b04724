"""Outbound HTTP on a user's behalf (the `@internal/http/request` operator)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpCall:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    timeout_ms: int = 30_000


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpReply:
    status: int
    headers: Mapping[str, str]
    body: Any


class HttpRequester(Protocol):
    async def request(self, call: HttpCall) -> HttpReply:
        """Sends the call; raises StepFailure when the target is refused (SSRF guard),
        unreachable or too slow. Cancelling the awaiting task aborts the request."""
        ...
