"""The HTTP side of the client commands: requests to the public API, and every way they can
fail turned into a CommandError with a one-line message and its exit code (never a
traceback)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any

import httpx

import flowauto
from flowauto.cli.command_error import CommandError, ExitCode
from flowauto.cli.server_options import SERVER_ENV, TOKEN_ENV, ServerConnection
from flowauto.driver_adapters.http.paths import API_PREFIX

REQUEST_TIMEOUT_S = 30.0
# A followed run may wait hours between events (approvals, durable timers): no read timeout.
STREAM_TIMEOUT = httpx.Timeout(REQUEST_TIMEOUT_S, read=None)
_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")
_SHOWN_BODY_CHARS = 200


class ServerUnreachableError(CommandError):
    exit_code = ExitCode.UNREACHABLE


class TokenRefusedError(CommandError):
    exit_code = ExitCode.UNAUTHENTICATED


class NotFoundOnServerError(CommandError):
    exit_code = ExitCode.NOT_FOUND


class ServerRefusedError(CommandError):
    """The server answered an error about this request (400, 403, 409, 422, 5xx, ...)."""

    exit_code = ExitCode.FAILED


class ApiClient:
    """Blocking JSON requests to `<server>/api/automation/v1`; use it as a context manager."""

    def __init__(
        self, connection: ServerConnection, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._server = connection.url
        self._http = httpx.Client(
            base_url=_api_base(connection.url),
            headers=_headers(connection),
            timeout=REQUEST_TIMEOUT_S,
            transport=transport,
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self._json(self._send("GET", path, params=params))

    def post(self, path: str, body: Any) -> Any:
        return self._json(self._send("POST", path, json=body))

    def put(self, path: str, body: Any) -> Any:
        return self._json(self._send("PUT", path, json=body))

    def stream_lines(self, path: str, headers: Mapping[str, str]) -> Iterator[str]:
        """The lines of a streamed answer, as they arrive."""
        with (
            self._translated(),
            self._http.stream("GET", path, headers=headers, timeout=STREAM_TIMEOUT) as response,
        ):
            if response.is_error:
                response.read()
                raise _refusal(response)
            yield from response.iter_lines()

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        with self._translated():
            response = self._http.request(method, path, **options)
        if response.is_error:
            raise _refusal(response)
        return response

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except httpx.TimeoutException:
            raise ServerUnreachableError(
                f"the server at {self._server} did not answer within {REQUEST_TIMEOUT_S:g} s"
            ) from None
        except httpx.ConnectError as error:
            raise ServerUnreachableError(
                f"cannot reach the flowauto server at {self._server} ({_reason(error)}); "
                f"is it running? Set --server or {SERVER_ENV}"
            ) from None
        except httpx.TransportError as error:
            raise ServerUnreachableError(
                f"the connection to the server at {self._server} failed ({_reason(error)})"
            ) from None

    def _json(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ServerRefusedError(
                f"the server at {self._server} answered HTTP {response.status_code} with "
                f"something other than JSON; is --server a flowauto server?"
            ) from None


def _api_base(url: str) -> str:
    """Both the server's root URL and its API URL are accepted as --server."""
    return url if url.endswith(API_PREFIX) else f"{url}{API_PREFIX}"


def _headers(connection: ServerConnection) -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": f"flowauto-cli/{flowauto.__version__}"}
    if connection.token:
        headers["Authorization"] = f"Bearer {connection.token}"
    if connection.biz_domain:
        headers["X-Business-Domain"] = connection.biz_domain
    return headers


def _refusal(response: httpx.Response) -> CommandError:
    """The error a refused request raises; the server's `message` leads, status and code
    follow in parentheses."""
    message, code, detail = _error_body(response)
    where = f"HTTP {response.status_code}{f' {code}' if code else ''}"
    correlation = detail.get("correlation_id")
    if correlation:
        where = f"{where}, correlation id {correlation}"
    if response.status_code == httpx.codes.UNAUTHORIZED:
        return TokenRefusedError(
            f"the server refused the token: {message} ({where}); pass --token or set {TOKEN_ENV}"
        )
    if response.status_code == httpx.codes.NOT_FOUND:
        return NotFoundOnServerError(f"{message} ({where})")
    return ServerRefusedError(f"{message} ({where})")


def _error_body(response: httpx.Response) -> tuple[str, str, Mapping[str, Any]]:
    """(message, code, detail) of a flowauto error body; the body's start or the reason
    phrase when something else answered (a proxy, another server)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        detail = body.get("detail")
        return (
            body["message"],
            str(body.get("code") or ""),
            detail if isinstance(detail, dict) else {},
        )
    text = " ".join(response.text.split())[:_SHOWN_BODY_CHARS]
    return text or response.reason_phrase, "", {}


def _reason(error: httpx.TransportError) -> str:
    """The OS reason without its errno prefix ("Connection refused"), or the error's kind."""
    return _ERRNO.sub("", str(error)).strip() or type(error).__name__
