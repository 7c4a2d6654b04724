"""Executors: HTTP services whose actions flowauto workflows call (the call protocol is in the
`flowauto.sdk` docstring). Nothing here imports the server, so executors depend on the SDK alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar, get_type_hints

import httpx
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import Headers
from litestar.handlers import HTTPRouteHandler
from pydantic import BaseModel, Field, ValidationError

InT = TypeVar("InT", bound=BaseModel)
OutT = TypeVar("OutT", bound=BaseModel)
M = TypeVar("M", bound=BaseModel)
ActionFn = Callable[[InT], Awaitable[OutT]]
AuthType = Literal["none", "bearer", "hmac"]
Mode = Literal["sync", "async"]
AnyRequest = Request[Any, Any, Any]

DOCUMENT_PATH = "/flowauto-executor.json"
TIMESTAMP_HEADER = "X-Flowauto-Timestamp"
SIGNATURE_HEADER = "X-Flowauto-Signature"
REPLAY_WINDOW_S = 300
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")  # the server's rule; safe in URL paths
log = logging.getLogger("flowauto.sdk")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Flowauto-Signature` value for a body sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class CallError(Exception):
    """A call the executor refuses; answers `{"code", "message", "detail"}` with `status`."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.detail: dict[str, str] = {} if field is None else {"field": field}


class _Call(BaseModel):
    """The engine's request envelope; run and task ids only matter for logs."""

    run_id: str = ""
    task_id: str = ""
    inputs: dict[str, Any] = Field(default_factory=dict)
    callback_url: str = ""
    callback_token: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Action(Generic[InT, OutT]):
    """One action: its function, the models read from its type hints, and how it is called."""

    key: str
    name: str
    description: str
    path: str
    mode: Mode
    timeout_ms: int
    fn: ActionFn[InT, OutT]
    input_model: type[InT]
    output_model: type[OutT]

    async def __call__(self, inputs: InT) -> OutT:
        return await self.fn(inputs)

    def document(self) -> dict[str, Any]:
        return {
            "key": self.key, "name": self.name, "description": self.description,
            "path": self.path, "method": "POST",
            "input_schema": self.input_model.model_json_schema(),
            "output_schema": self.output_model.model_json_schema(),
            "mode": self.mode, "timeout_ms": self.timeout_ms,
        }  # fmt: skip

    async def outputs(self, inputs: InT) -> dict[str, Any]:
        """Runs the function within its timeout; a wrong return type fails like a raise."""
        try:
            async with asyncio.timeout(self.timeout_ms / 1000) as scope:
                result = await self.fn(inputs)
        except TimeoutError as exc:
            if scope.expired():  # ours, not one the action raised itself
                raise TimeoutError(f"the action took over {self.timeout_ms} ms") from exc
            raise
        return self.output_model.model_validate(result).model_dump(mode="json")


AnyAction = Action[Any, Any]


class Decorator(Protocol):
    def __call__(self, fn: ActionFn[InT, OutT], /) -> Action[InT, OutT]: ...


def action(
    *, key: str, name: str, mode: Mode = "sync", timeout_ms: int = 30000,
    path: str | None = None, description: str | None = None,
) -> Decorator:  # fmt: skip
    """Makes an `async def f(inputs: In) -> Out` (In, Out: pydantic models) an Action for
    `Executor.include`; path defaults to `/actions/<key>`, description to the docstring."""

    def wrap(fn: ActionFn[InT, OutT]) -> Action[InT, OutT]:
        return _made(fn, key, name, mode, timeout_ms, path, description)

    return wrap


def _made(
    fn: ActionFn[InT, OutT], key: str, name: str, mode: Mode, timeout_ms: int,
    path: str | None, description: str | None,
) -> Action[InT, OutT]:  # fmt: skip
    path = path or f"/actions/{key}"
    if not (_KEY.match(key) and mode in ("sync", "async") and path[:1] == "/" and timeout_ms > 0):
        raise ValueError(f"action {key!r}: the key must match {_KEY.pattern}, the mode be sync or "
                         "async, the path start with '/' and timeout_ms be positive")  # fmt: skip
    input_model, output_model = _models(key, fn)
    return Action(
        key=key, name=name, description=description or inspect.getdoc(fn) or "",
        path=path, mode=mode, timeout_ms=timeout_ms, fn=fn,
        input_model=input_model, output_model=output_model,
    )  # fmt: skip


def _models(key: str, fn: Callable[..., Any]) -> tuple[Any, Any]:
    if not inspect.iscoroutinefunction(fn):
        raise TypeError(f"action {key!r} must be an async def")
    hints = get_type_hints(fn)  # NameError: the models must be importable, not local
    params = list(inspect.signature(fn).parameters)
    found = (hints.get(params[0]) if len(params) == 1 else None, hints.get("return"))
    if not all(isinstance(model, type) and issubclass(model, BaseModel) for model in found):
        raise TypeError(f"action {key!r} must be `async def f(inputs: In) -> Out` (BaseModels)")
    return found


@dataclass(eq=False)
class Executor:
    """A set of actions served over HTTP, plus the document that imports them into flowauto."""

    key: str
    name: str
    auth: AuthType = field(default="none", kw_only=True)
    secret: str = field(default="", kw_only=True, repr=False)
    description: str = field(default="", kw_only=True)
    callback_attempts: int = field(default=5, kw_only=True)
    callback_backoff_s: float = field(default=0.5, kw_only=True)
    shutdown_grace_s: float = field(default=10.0, kw_only=True)
    actions: dict[str, AnyAction] = field(default_factory=dict, init=False)
    _work: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.auth not in ("none", "bearer", "hmac") or (self.auth != "none" and not self.secret):
            raise ValueError("auth must be 'none', or 'bearer' or 'hmac' with a secret")

    def action(
        self, *, key: str, name: str, mode: Mode = "sync", timeout_ms: int = 30000,
        path: str | None = None, description: str | None = None,
    ) -> Decorator:  # fmt: skip
        """Decorator: the module's `action(...)`, then `include`."""

        def register(fn: ActionFn[InT, OutT]) -> Action[InT, OutT]:
            made = _made(fn, key, name, mode, timeout_ms, path, description)
            self.include(made)
            return made

        return register

    def include(self, *actions: AnyAction) -> None:
        """Adds actions made with `action(...)`, e.g. in other modules."""
        for one in actions:
            taken = {a.path for a in self.actions.values()} | {DOCUMENT_PATH}
            if one.key in self.actions or one.path in taken:
                raise ValueError(f"action {one.key!r}: key or path {one.path!r} already used")
            self.actions[one.key] = one

    def document(self) -> dict[str, Any]:
        """What the server imports; `base_url` is left for whoever registers the executor."""
        return {
            "key": self.key, "name": self.name, "description": self.description,
            "base_url": "", "auth": {"type": self.auth},
            "actions": [one.document() for one in self.actions.values()],
        }  # fmt: skip

    def asgi(self) -> Litestar:
        """The ASGI app serving the actions registered so far and the executor document."""

        @get(DOCUMENT_PATH, sync_to_thread=False)
        def document() -> dict[str, Any]:
            return self.document()

        routes = [document, *(self._route(one) for one in self.actions.values())]
        return Litestar(route_handlers=routes, openapi_config=None, on_shutdown=[self._drain])

    def _route(self, one: AnyAction) -> HTTPRouteHandler:
        async def handle(request: AnyRequest) -> Response[Any]:
            try:
                return await self._serve(one, request)
            except CallError as exc:
                content = {"code": exc.code, "message": exc.message, "detail": exc.detail}
                return Response(content, status_code=exc.status)

        return post(one.path, name=f"action:{one.key}")(handle)

    async def _serve(self, one: AnyAction, request: AnyRequest) -> Response[Any]:
        body = await request.body()
        self._authenticate(request.headers, body)
        call = _parse(_Call, body)
        inputs = _parse(one.input_model, call.inputs)
        if one.mode == "sync":
            return Response(await _outputs_or_500(one, inputs), status_code=200)
        if not call.callback_url.startswith(("http://", "https://")) or not call.callback_token:
            raise CallError(400, "invalid", "needs an http(s) callback and token", "callback_url")
        # The loop holds tasks weakly: keep a reference until the work is done.
        self._work.add(work := asyncio.create_task(self._finish(one, inputs, call)))
        work.add_done_callback(self._work.discard)
        return Response({"accepted": True}, status_code=202)

    def _authenticate(self, headers: Headers, body: bytes) -> None:
        if self.auth == "bearer":
            given = headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, f"Bearer {self.secret}".encode()):
                raise CallError(401, "unauthenticated", "a valid bearer token is required")
        elif self.auth == "hmac":
            stamp = headers.get(TIMESTAMP_HEADER, "")
            stamp = stamp if stamp.isascii() and stamp.isdigit() else "0"
            if abs(time.time() - int(stamp)) > REPLAY_WINDOW_S:
                raise CallError(401, "unauthenticated", f"{TIMESTAMP_HEADER} is missing or stale")
            signature = headers.get(SIGNATURE_HEADER, "").encode()
            if not hmac.compare_digest(signature, sign(self.secret, int(stamp), body).encode()):
                raise CallError(401, "unauthenticated", f"{SIGNATURE_HEADER} does not match")

    async def _finish(self, one: AnyAction, inputs: BaseModel, call: _Call) -> None:
        try:
            outcome = {"status": "success", "outputs": await one.outputs(inputs)}
        except Exception as exc:
            log.exception("action %s failed for task %s", one.key, call.task_id)
            outcome = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
        await self._report(call.callback_url, call.callback_token, outcome)

    async def _report(self, url: str, token: str, outcome: dict[str, Any]) -> bool:
        """PUTs the outcome; retries connection errors and 5xx with backoff, never a 4xx."""
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=10.0) as client:
            for attempt in range(self.callback_attempts):
                await asyncio.sleep(self.callback_backoff_s * (2**attempt - 1))  # 0, 1, 3, 7...
                try:
                    answer = await client.put(url, json=outcome, headers=headers)
                except httpx.TransportError as exc:
                    log.warning("callback to %s failed: %r", url, exc)
                    continue
                level = logging.INFO if answer.is_success else logging.WARNING
                log.log(level, "callback to %s answered %d", url, answer.status_code)
                if answer.status_code < 500:  # 409: task finished or canceled; 4xx stay 4xx
                    return answer.is_success
        log.error("callback to %s gave up after %d attempts", url, self.callback_attempts)
        return False

    async def _drain(self) -> None:
        """On shutdown, lets running async work report back for a while, then cancels it."""
        if self._work:
            _, late = await asyncio.wait(set(self._work), timeout=self.shutdown_grace_s)
            for task in late:
                task.cancel()


def _parse(model: type[M], data: bytes | dict[str, Any]) -> M:
    """Validates JSON bytes or a dict; a failure is a 400 naming the first bad field."""
    try:
        if isinstance(data, bytes):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        where = [".".join(map(str, error["loc"])) or "body" for error in errors]  # dotted
        message = "; ".join(f"{at}: {e['msg']}" for at, e in zip(where, errors, strict=True))
        raise CallError(400, "invalid", message, where[0]) from exc


async def _outputs_or_500(one: AnyAction, inputs: BaseModel) -> dict[str, Any]:
    try:
        return await one.outputs(inputs)
    except Exception as exc:
        log.exception("action %s failed", one.key)
        raise CallError(500, "failed", f"{type(exc).__name__}: {exc}") from exc
