"""Running one leaf step's operator: pure ones inline, the rest through ports."""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowauto.domain.comparison import parse_rfc3339
from flowauto.domain.errors import DomainError
from flowauto.domain.pure_action import PURE_ACTIONS, run_pure_action
from flowauto.domain.step_failure import StepFailure
from flowauto.ports.clock import Clock
from flowauto.ports.code_runner import CodeCall, CodeRunner
from flowauto.ports.custom_action import CallbackTicket, CustomActions
from flowauto.ports.event_bus import BusMessage, EventBus
from flowauto.ports.http_requester import HttpCall, HttpRequester

WAIT = "@internal/wait"
APPROVAL = "@workflow/approval"
HTTP = "@internal/http/request"
PY3 = "@internal/tool/py3"
PUBLISH = "@internal/kafka/publish"
CALLBACK_TTL_MS = 7 * 24 * 3600 * 1000
ASSIGN = "@internal/assign"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRef:
    """Which task of which run a step with effects runs for."""

    task_id: str = ""
    run_id: str = ""
    biz_domain_id: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Blocked:
    """The step waits: for `wake_at_ms` (a timer), or for someone (None: approval, callback)."""

    wake_at_ms: int | None
    callback_digest: str = ""


StepOutput = Mapping[str, Any] | Blocked


class StepActions:
    """Knows which operators are pure (side-effect free: the engine may run them again after a
    crash without anyone noticing) and runs every action operator."""

    def __init__(
        self, *, http: HttpRequester, clock: Clock, code: CodeRunner | None = None,
        custom: CustomActions | None = None, bus: EventBus | None = None,
    ) -> None:  # fmt: skip
        self._http = http
        self._clock = clock
        self._code = code
        self._custom = custom
        self._bus = bus

    @staticmethod
    def is_pure(operator: str) -> bool:
        return operator in PURE_ACTIONS

    def run_pure(self, operator: str, parameters: Mapping[str, Any]) -> Mapping[str, Any]:
        now = datetime.datetime.fromtimestamp(self._clock.now_ms() / 1000, datetime.UTC)
        return run_pure_action(operator, parameters, now)

    async def run_effect(
        self, operator: str, parameters: Mapping[str, Any], task: TaskRef | None = None
    ) -> StepOutput:
        if self._custom is not None and self._custom.handles(operator):
            return await self._run_custom(operator, parameters, task or TaskRef())
        if operator == WAIT:
            return Blocked(wake_at_ms=self._wake_time(parameters))
        if operator == APPROVAL:
            return Blocked(wake_at_ms=None)
        if operator == HTTP:
            return await self._request(parameters)
        if operator == PY3:
            return await self._python(parameters)
        if operator == PUBLISH:
            return await self._publish(parameters)
        raise StepFailure(f"operator {operator} cannot run on this server yet")

    async def _run_custom(
        self, operator: str, parameters: Mapping[str, Any], task: TaskRef
    ) -> StepOutput:
        assert self._custom is not None
        # The token says until when it is good; its digest on the task makes it single-use.
        expires_ms = self._clock.now_ms() + CALLBACK_TTL_MS
        token = f"{expires_ms}.{secrets.token_urlsafe(32)}"
        ticket = CallbackTicket(
            task_id=task.task_id, token=token, run_id=task.run_id, biz_domain_id=task.biz_domain_id
        )
        outputs = await self._custom.run(operator, parameters, ticket)
        if outputs is None:
            return Blocked(wake_at_ms=None, callback_digest=callback_digest(token))
        return outputs

    async def _publish(self, parameters: Mapping[str, Any]) -> Mapping[str, Any]:
        if self._bus is None:
            raise StepFailure("kafka/publish: this server has no event bus")
        topic = str(parameters.get("topic") or "")
        if not topic:
            raise StepFailure("kafka/publish: topic is required")
        value = parameters.get("value")
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        key = parameters.get("key")
        message = BusMessage(
            topic=topic, key=None if key is None else str(key), value=text.encode()
        )
        try:
            await self._bus.publish(message)
        except DomainError as error:
            raise StepFailure(f"kafka/publish to {topic} failed: {error.message}") from error
        return {"topic": topic, "key": message.key}

    async def _python(self, parameters: Mapping[str, Any]) -> Mapping[str, Any]:
        if self._code is None:
            raise StepFailure(
                "py3 is disabled on this server (FLOWAUTO_PY3__ENABLED=true enables it)"
            )
        call = CodeCall(
            code=str(parameters.get("code", "")),
            inputs=_named_values(parameters.get("input_params"), "input_params"),
            output_names=_names(parameters.get("output_params")),
        )
        return {"outputs": await self._code.run(call)}

    def _wake_time(self, parameters: Mapping[str, Any]) -> int:
        duration = parameters.get("duration_ms")
        if isinstance(duration, int) and not isinstance(duration, bool) and duration > 0:
            return self._clock.now_ms() + duration
        until = parameters.get("until")
        if isinstance(until, str):
            try:
                return int(parse_rfc3339(until).timestamp() * 1000)
            except ValueError:
                pass
        raise StepFailure("wait needs duration_ms (a positive integer) or until (RFC 3339)")

    async def _request(self, parameters: Mapping[str, Any]) -> Mapping[str, Any]:
        headers = parameters.get("headers") or {}
        query = parameters.get("query") or {}
        if not isinstance(headers, Mapping) or not isinstance(query, Mapping):
            raise StepFailure("http/request: headers and query must be objects")
        call = HttpCall(
            method=str(parameters.get("method", "GET")).upper(),
            url=str(parameters.get("url", "")),
            headers={str(k): str(v) for k, v in headers.items()},
            query=dict(query),
            body=parameters.get("body"),
            timeout_ms=_timeout(parameters.get("timeout_ms")),
        )
        reply = await self._http.request(call)
        # Like Airflow's and Kestra's HTTP tasks: an error answer fails the step (and so is
        # retried by its policy) unless the DAG asks to look at it itself.
        if reply.status >= 400 and parameters.get("allow_error_status") is not True:
            raise StepFailure(
                f"{call.method} {call.url} answered {reply.status}: {gist(reply.body)}"
            )
        return {"status": reply.status, "headers": dict(reply.headers), "body": reply.body}


def callback_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def callback_expired(token: str, now_ms: int) -> bool:
    """Tokens start with their expiry (Unix ms); the digest covers it, so it cannot be moved."""
    expires, _, _ = token.partition(".")
    return not expires.isdigit() or int(expires) < now_ms


def _named_values(value: object, name: str) -> dict[str, Any]:
    """`{"a": 1}` or `[{"key": "a", "value": 1}, ...]` (the form builders send)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(key): item for key, item in value.items()}
    if isinstance(value, list) and all(
        isinstance(item, Mapping) and "key" in item for item in value
    ):
        return {str(item["key"]): item.get("value") for item in value}
    raise StepFailure(f"py3: {name} must be an object or a list of {{key, value}}")


def _names(value: object) -> tuple[str, ...]:
    """`["a", "b"]` or `[{"key": "a"}, ...]`; empty keeps every output."""
    if not value:
        return ()
    if isinstance(value, list):
        return tuple(str(item["key"]) if isinstance(item, Mapping) else str(item) for item in value)
    raise StepFailure("py3: output_params must be a list of names")


def gist(body: Any, limit: int = 200) -> str:
    """The start of an answer's body, for a failure reason."""
    text = body if isinstance(body, str) else repr(body)
    return text[:limit] + ("…" if len(text) > limit else "")


def _timeout(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 30_000
