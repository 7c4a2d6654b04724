"""Errors the mock answers on purpose, in the OAuth2 error shape Hydra also uses:
`{"error": ..., "error_description": ...}`."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response


class MockServerError(Exception):
    status_code = 500
    error = "server_error"


class BadRequestError(MockServerError):
    """The message names the offending field."""

    status_code = 400
    error = "invalid_request"


class UserNotFoundError(MockServerError):
    status_code = 404
    error = "not_found"


def error_response(_: Request[Any, Any, Any], error: Exception) -> Response[dict[str, str]]:
    assert isinstance(error, MockServerError)
    return Response(
        {"error": error.error, "error_description": str(error)},
        status_code=error.status_code,
        media_type=MediaType.JSON,
    )
