"""Running one leaf step's operator: pure ones inline, the rest through ports."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowauto.domain.comparison import parse_rfc3339
from flowauto.domain.pure_action import PURE_ACTIONS, run_pure_action
from flowauto.domain.step_failure import StepFailure
from flowauto.ports.clock import Clock
from flowauto.ports.http_requester import HttpCall, HttpRequester

WAIT = "@internal/wait"
APPROVAL = "@workflow/approval"
HTTP = "@internal/http/request"
ASSIGN = "@internal/assign"


@dataclass(frozen=True, slots=True, kw_only=True)
class Blocked:
    """The step waits: for `wake_at_ms` (a timer), or for someone (None: approval, callback)."""

    wake_at_ms: int | None


StepOutput = Mapping[str, Any] | Blocked


class StepActions:
    """Knows which operators are pure (side-effect free: the engine may run them again after a
    crash without anyone noticing) and runs every action operator."""

    def __init__(self, *, http: HttpRequester, clock: Clock) -> None:
        self._http = http
        self._clock = clock

    @staticmethod
    def is_pure(operator: str) -> bool:
        return operator in PURE_ACTIONS

    def run_pure(self, operator: str, parameters: Mapping[str, Any]) -> Mapping[str, Any]:
        now = datetime.datetime.fromtimestamp(self._clock.now_ms() / 1000, datetime.UTC)
        return run_pure_action(operator, parameters, now)

    async def run_effect(self, operator: str, parameters: Mapping[str, Any]) -> StepOutput:
        if operator == WAIT:
            return Blocked(wake_at_ms=self._wake_time(parameters))
        if operator == APPROVAL:
            return Blocked(wake_at_ms=None)
        if operator == HTTP:
            return await self._request(parameters)
        raise StepFailure(f"operator {operator} cannot run on this server yet")

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
                f"{call.method} {call.url} answered {reply.status}: {_gist(reply.body)}"
            )
        return {"status": reply.status, "headers": dict(reply.headers), "body": reply.body}


def _gist(body: Any, limit: int = 200) -> str:
    text = body if isinstance(body, str) else repr(body)
    return text[:limit] + ("…" if len(text) > limit else "")


def _timeout(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 30_000
