"""The one table from error categories to HTTP statuses, and the handlers that apply it.

Every error answers `{"code", "message", "detail"}`; anything unexpected is a 500 with a
correlation id and no internals (the traceback goes to the log).
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from flowauto.domain.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    SemanticError,
    TooLargeError,
    UnauthenticatedError,
    UnavailableError,
)

logger = logging.getLogger(__name__)

STATUS_BY_CATEGORY: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInputError, 400),
    (UnauthenticatedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (TooLargeError, 413),
    (SemanticError, 422),
    (RateLimitedError, 429),
    (UnavailableError, 503),
)

_CODE_BY_STATUS = {
    400: "invalid.InvalidInput",
    401: "unauthenticated.Unauthenticated",
    403: "forbidden.Forbidden",
    404: "notfound.NotFound",
    405: "invalid.MethodNotAllowed",
    409: "conflict.Conflict",
    413: "toolarge.BodyTooLarge",
    415: "invalid.UnsupportedMediaType",
    422: "semantic.Invalid",
    429: "ratelimit.TooManyRequests",
    503: "unavailable.Unavailable",
}


def status_of(error: DomainError) -> int:
    for category, status in STATUS_BY_CATEGORY:
        if isinstance(error, category):
            return status
    return 500


def error_response(
    status: int, code: str, message: str, detail: dict[str, Any] | None = None
) -> Response[dict[str, Any]]:
    return Response(
        content={"code": code, "message": message, "detail": detail or {}},
        status_code=status,
        media_type=MediaType.JSON,
    )


def _domain_error(_: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    assert isinstance(error, DomainError)
    status = status_of(error)
    if status == 500:
        return _unexpected(_, error)
    response = error_response(status, error.code, error.message, error.detail)
    if isinstance(error, RateLimitedError):
        response.headers["Retry-After"] = str(error.retry_after_s)
    return response


def _validation_error(_: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    """Litestar's own parameter and body validation, re-worded to name the field."""
    assert isinstance(error, ValidationException)
    problems = error.extra if isinstance(error.extra, list) else []
    first = problems[0] if problems and isinstance(problems[0], dict) else {}
    reason = str(first.get("message") or error.detail)
    field = str(first.get("key") or "body")
    if first.get("source") == "body":
        field = _body_field(field, reason)
    return error_response(
        400, "invalid.FieldInvalid", f"{field}: {reason}", {"field": field, "problems": problems}
    )


_NAMED_FIELD = re.compile(r"(?:unknown|missing required) field `(?P<name>[^`]+)`")


def _body_field(key: str, reason: str) -> str:
    """Names the body field a problem is about: Litestar keys root problems as "data"."""
    path = "" if key == "data" else key
    named = _NAMED_FIELD.search(reason)
    if named:
        path = f"{path}.{named['name']}" if path else named["name"]
    return path or "body"


def _http_error(_: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    assert isinstance(error, HTTPException)
    status = error.status_code
    if status >= 500:
        return _unexpected(_, error)
    code = _CODE_BY_STATUS.get(status, "invalid.InvalidInput")
    return error_response(status, code, str(error.detail))


def _unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    correlation_id = uuid.uuid4().hex
    logger.error(
        "unhandled error on %s %s (correlation id %s)",
        request.method,
        request.url.path,
        correlation_id,
        exc_info=error,
    )
    return error_response(
        500,
        "internal.Unexpected",
        "an unexpected error occurred; quote the correlation id when reporting it",
        {"correlation_id": correlation_id},
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: _domain_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}
