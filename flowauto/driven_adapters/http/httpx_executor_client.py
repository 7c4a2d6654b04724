"""Calls to custom executors over httpx: SSRF guard, signing, bounded retries with backoff,
and a circuit breaker per executor host."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from flowauto.domain.step_failure import StepFailure
from flowauto.domain.webhook import sign
from flowauto.driven_adapters.http.address_guard import AddressGuard
from flowauto.driven_adapters.telemetry.propagation import with_trace_context
from flowauto.ports.executor_client import ExecutorCall, ExecutorClient, ExecutorReply

ATTEMPTS = 3
RETRIED_STATUSES = frozenset({502, 503, 504})
BACKOFF_S = 0.2
BREAKER_FAILURES = 5
BREAKER_OPEN_S = 30.0


@dataclass(slots=True)
class _Breaker:
    """Opens after BREAKER_FAILURES failed calls in a row; lets one call try after a pause."""

    failures: int = 0
    open_until: float = 0.0

    def check(self, host: str) -> None:
        if self.failures >= BREAKER_FAILURES and time.monotonic() < self.open_until:
            raise StepFailure(f"executor {host} keeps failing; calls pause until it recovers")

    def record(self, ok: bool) -> None:
        self.failures = 0 if ok else self.failures + 1
        if self.failures >= BREAKER_FAILURES:
            self.open_until = time.monotonic() + BREAKER_OPEN_S


class HttpxExecutorClient(ExecutorClient):
    def __init__(self, client: httpx.AsyncClient, guard: AddressGuard) -> None:
        self._client = client
        self._guard = guard
        self._breakers: dict[str, _Breaker] = {}

    async def call(self, call: ExecutorCall) -> ExecutorReply:
        host = urlsplit(call.url).netloc
        breaker = self._breakers.setdefault(host, _Breaker())
        breaker.check(host)
        await self._guard.check(call.url)
        body = json.dumps(call.body, ensure_ascii=False).encode()
        for attempt in range(1, ATTEMPTS + 1):
            reply = await self._attempt(call, body, attempt)
            # A 500 is the action's own failure (running it again would repeat its effects);
            # only unreachable executors and gateway answers are tried again.
            if reply is not None and reply.status not in RETRIED_STATUSES:
                breaker.record(ok=reply.status < 500)
                return reply
            breaker.record(ok=False)
            if attempt < ATTEMPTS:
                await asyncio.sleep(BACKOFF_S * 2 ** (attempt - 1))
        if reply is not None:
            return reply
        raise StepFailure(f"executor at {host} could not be reached after {ATTEMPTS} attempts")

    async def _attempt(self, call: ExecutorCall, body: bytes, attempt: int) -> ExecutorReply | None:
        headers = with_trace_context({"Content-Type": "application/json", **call.headers})
        if call.hmac_secret:
            timestamp = int(time.time())
            headers["X-Flowauto-Timestamp"] = str(timestamp)
            headers["X-Flowauto-Signature"] = sign(call.hmac_secret, timestamp, body)
        try:
            response = await self._client.request(
                call.method, call.url, content=body, headers=headers,
                timeout=call.timeout_ms / 1000, follow_redirects=False,
            )  # fmt: skip
        except httpx.TimeoutException as exc:
            raise StepFailure(f"executor call timed out after {call.timeout_ms} ms") from exc
        except httpx.TransportError:
            return None
        return ExecutorReply(status=response.status_code, body=_body(response))


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
