"""`@internal/http/request` over httpx, behind the SSRF guard, following redirects by hand."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx

from flowauto.domain.step_failure import StepFailure
from flowauto.driven_adapters.http.address_guard import AddressGuard
from flowauto.driven_adapters.telemetry.propagation import with_trace_context
from flowauto.ports.http_requester import HttpCall, HttpReply, HttpRequester

MAX_REDIRECTS = 5
MAX_BODY_BYTES = 10 * 1024 * 1024


class HttpxHttpRequester(HttpRequester):
    def __init__(self, client: httpx.AsyncClient, guard: AddressGuard) -> None:
        self._client = client
        self._guard = guard

    async def request(self, call: HttpCall) -> HttpReply:
        url, method, body = call.url, call.method, call.body
        for _ in range(MAX_REDIRECTS + 1):
            await self._guard.check(url)
            response = await self._send(method, url, call, body)
            if not response.is_redirect:
                return _reply(response)
            url = str(response.next_request.url) if response.next_request else url
            if response.status_code in (301, 302, 303) and method != "HEAD":
                method, body = "GET", None
        raise StepFailure(f"more than {MAX_REDIRECTS} redirects from {call.url}")

    async def _send(self, method: str, url: str, call: HttpCall, body: Any) -> httpx.Response:
        content, headers = _encode(body, with_trace_context(dict(call.headers)))
        try:
            return await self._client.request(
                method, url, params=dict(call.query) or None, headers=headers, content=content,
                timeout=call.timeout_ms / 1000, follow_redirects=False,
            )  # fmt: skip
        except httpx.TimeoutException as exc:
            raise StepFailure(f"{method} {url} timed out after {call.timeout_ms} ms") from exc
        except httpx.HTTPError as exc:
            raise StepFailure(f"{method} {url} failed: {exc}") from exc


def _encode(body: Any, headers: dict[str, str]) -> tuple[bytes | None, dict[str, str]]:
    if body is None:
        return None, headers
    if isinstance(body, str):
        return body.encode(), headers
    names = {name.lower() for name in headers}
    if "content-type" not in names:
        headers["Content-Type"] = "application/json"
    return json.dumps(body, ensure_ascii=False).encode(), headers


def _reply(response: httpx.Response) -> HttpReply:
    if len(response.content) > MAX_BODY_BYTES:
        raise StepFailure(f"response body over {MAX_BODY_BYTES} bytes")
    body: Any = response.text
    if "json" in response.headers.get("content-type", ""):
        with contextlib.suppress(ValueError):
            body = response.json()
    return HttpReply(status=response.status_code, headers=dict(response.headers), body=body)
