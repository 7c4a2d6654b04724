"""Turns a Litestar request into the OAuth2 request authlib's (synchronous) server reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, OAuth2Request
from litestar import Request

from mock_server.errors import BadRequestError


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth2 request whose form body the async web layer has already read."""

    def __init__(
        self, *, method: str, uri: str, headers: Mapping[str, str], form: dict[str, str]
    ) -> None:
        super().__init__(method, uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def args(self) -> dict[str, str]:
        # OAuth2 parameters travel in the form body on every endpoint the mock serves.
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self._form


async def read_form_request(request: Request[Any, Any, Any]) -> FormRequest:
    form = await request.form()
    return FormRequest(
        method=request.method,
        uri=str(request.url),
        headers=request.headers,
        form=_single_text_values(form.multi_items()),
    )


def _single_text_values(items: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """RFC 6749 (3.1, 3.2) forbids repeating a parameter; file uploads are not parameters."""
    form: dict[str, str] = {}
    for name, value in items:
        if name in form:
            raise BadRequestError(f"the form field '{name}' must not be repeated")
        if not isinstance(value, str):
            raise BadRequestError(f"the form field '{name}' must be text")
        form[name] = value
    return form
