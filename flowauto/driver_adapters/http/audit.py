"""Every successful mutating call leaves an audit entry, written by one middleware.

Each non-GET handler declares `opt={"audit": "<object_type>.<verb>"}`, or `"audit": None`
when it changes nothing (a batch read by POST); a test fails for a write route that says
neither, so later routes cannot forget it. The object id is the created id the response
names, else the route's first path parameter; bulk calls list their `ids` in the detail.
Request bodies are never copied (they may carry secrets).
"""

from __future__ import annotations

import json
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from flowauto.application.audit_service import AuditService
from flowauto.domain.identity import DEFAULT_BIZ_DOMAIN, Identity

AUDIT_OPT = "audit"
ANONYMOUS_USER = "anonymous"
WEBHOOK_USER = "webhook"
CALLBACK_USER = "callback"
AUDIT_AS = "audit_as"
"""Anonymous handlers name whom and which domain they acted for in `request.state.audit_as`
(the DAG's domain for a webhook, the run's for a callback): their entries belong there."""
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Bodies of creates and bulk calls are small; anything longer is not parsed for ids.
MAX_PARSED_BYTES = 64 * 1024


def audit_middleware(audit: AuditService) -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            action = _action_of(scope)
            if action is None:
                await app(scope, receive, send)
                return
            call = _Call()
            await app(scope, call.receiving(receive), call.sending(send))
            if call.status < 400:
                _record(audit, scope, action, call)

        return middleware

    return factory


def _action_of(scope: Scope) -> str | None:
    if scope["type"] != ScopeType.HTTP or scope.get("method") in READ_METHODS:
        return None
    action = scope["route_handler"].opt.get(AUDIT_OPT)
    return action if isinstance(action, str) else None


class _Call:
    """What the middleware saw of one exchange: the status and the start of both bodies."""

    def __init__(self) -> None:
        self.status = 500
        self.request = bytearray()
        self.response = bytearray()

    def receiving(self, receive: Receive) -> Receive:
        async def wrapped() -> ReceiveMessage:
            message = await receive()
            if message["type"] == "http.request":
                _keep_start(self.request, message.get("body", b""))
            return message

        return wrapped

    def sending(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.status = int(message["status"])
            elif message["type"] == "http.response.body":
                _keep_start(self.response, message.get("body", b""))
            await send(message)

        return wrapped


def _keep_start(buffer: bytearray, chunk: bytes) -> None:
    if len(buffer) <= MAX_PARSED_BYTES:
        buffer.extend(chunk[: MAX_PARSED_BYTES + 1 - len(buffer)])


def _record(audit: AuditService, scope: Scope, action: str, call: _Call) -> None:
    state = scope.get("state", {})
    identity = state.get(AUDIT_AS) or state.get("identity")
    method = str(scope.get("method", ""))
    path_params: dict[str, Any] = scope.get("path_params", {})
    detail: dict[str, Any] = {
        "method": method,
        "route": scope.get("path_template", scope["path"]),
        "status": call.status,
    }
    if path_params:
        detail["params"] = {name: str(value) for name, value in path_params.items()}
    ids = _json_object(call.request).get("ids")
    if isinstance(ids, list):
        detail["ids"] = [str(one) for one in ids]
    created = _json_object(call.response).get("id")
    object_id = str(created) if created else _first_value(path_params)
    audit.record(
        user=identity.user_id if isinstance(identity, Identity) else ANONYMOUS_USER,
        biz_domain=identity.biz_domain if isinstance(identity, Identity) else DEFAULT_BIZ_DOMAIN,
        action=action,
        object_id=object_id,
        detail=detail,
    )


def _json_object(body: bytearray) -> dict[str, Any]:
    if not body or len(body) > MAX_PARSED_BYTES:
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _first_value(params: dict[str, Any]) -> str:
    return str(next(iter(params.values()), ""))
