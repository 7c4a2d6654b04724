"""Hydra's admin token introspection (RFC 7662) on authlib's `IntrospectionEndpoint`."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from mock_server.form_request import FormRequest
from mock_server.token_store import IssuedToken, TokenStore


class AdminIntrospectionEndpoint(IntrospectionEndpoint):  # type: ignore[misc]
    """Hydra serves introspection on its admin API, which takes no client authentication (it is
    meant for the cluster network only), so neither does this endpoint: anyone may ask."""

    def __init__(self, tokens: TokenStore) -> None:
        super().__init__()
        self._tokens = tokens

    def authenticate_endpoint_client(self, request: FormRequest) -> None:
        return None

    def check_params(self, request: FormRequest, client: None) -> None:
        # authlib's own check answers a bare `invalid_request`; this one names the field.
        if not request.form.get("token"):
            raise InvalidRequestError(description="the form field 'token' is required")
        super().check_params(request, client)

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        return self._tokens.find(token_string)

    def check_permission(self, token: IssuedToken, client: None, request: FormRequest) -> bool:
        return True

    def introspect_token(self, token: IssuedToken) -> dict[str, Any]:
        return token.introspection()
