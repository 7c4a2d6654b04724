"""The OAuth2 side of the mock: authlib's `AuthorizationServer` with the client-credentials
grant and the admin introspection endpoint, answering with Litestar responses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidClientError,
    UnsupportedGrantTypeError,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from litestar import MediaType, Response

from mock_server.config import ClientCredentials
from mock_server.form_request import FormRequest
from mock_server.introspection_endpoint import AdminIntrospectionEndpoint
from mock_server.oauth_client import SECRET_AUTH_METHODS, RegisteredClient
from mock_server.token_store import DEFAULT_TOKEN_TTL_S, TokenStore, issue_token, new_access_token


class SecretClientCredentialsGrant(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = list(SECRET_AUTH_METHODS)


class HydraTokenGenerator(BearerTokenGenerator):  # type: ignore[misc]
    """Hydra spells the token type `bearer`; RFC 6749 (5.1) makes the case irrelevant, but the
    mock answers exactly as Hydra does."""

    def generate(
        self,
        grant_type: str,
        client: RegisteredClient,
        user: object = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        token: dict[str, Any] = super().generate(
            grant_type, client, user, scope, expires_in, include_refresh_token
        )
        token["token_type"] = "bearer"
        return token


def _random_access_token(**_: object) -> str:
    return new_access_token()


class MockAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, clients: Iterable[ClientCredentials], tokens: TokenStore) -> None:
        super().__init__()
        self._clients = {client.client_id: RegisteredClient(client) for client in clients}
        self._tokens = tokens
        self.register_token_generator(
            "default",
            HydraTokenGenerator(_random_access_token, expires_generator=DEFAULT_TOKEN_TTL_S),
        )
        self.register_grant(SecretClientCredentialsGrant)
        self.register_endpoint(AdminIntrospectionEndpoint(tokens))

    def token_response(self, request: FormRequest) -> Response[Any]:
        response: Response[Any] = self.create_token_response(request)
        return response

    def introspection_response(self, request: FormRequest) -> Response[Any]:
        response: Response[Any] = self.create_endpoint_response(
            AdminIntrospectionEndpoint.ENDPOINT_NAME, request
        )
        return response

    # What authlib asks of a server implementation:

    def query_client(self, client_id: str) -> RegisteredClient | None:
        return self._clients.get(client_id)

    def get_token_grant(self, request: FormRequest) -> SecretClientCredentialsGrant:
        try:
            grant: SecretClientCredentialsGrant = super().get_token_grant(request)
        except UnsupportedGrantTypeError as error:
            # authlib leaves the body without a description; this one names the field.
            error.description = "the form field 'grant_type' must be client_credentials"
            raise
        return grant

    def authenticate_client(
        self, request: FormRequest, methods: list[str], endpoint: str = "token"
    ) -> RegisteredClient:
        try:
            client: RegisteredClient = super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as error:
            # Hydra answers 401 to every failed client authentication; authlib uses 400 for
            # some (an unknown client in the form body).
            raise InvalidClientError(status_code=401, description=error.description) from None
        except UnicodeDecodeError:
            raise InvalidClientError(
                status_code=401, description="the Basic credentials are not UTF-8"
            ) from None
        return client

    def save_token(self, token: dict[str, Any], request: FormRequest) -> None:
        client_id = request.client.get_client_id()
        self._tokens.add(
            issue_token(
                access_token=token["access_token"],
                # An app account: Hydra's client-credentials tokens have the client as subject.
                sub=client_id,
                client_id=client_id,
                scope=token.get("scope", ""),
                ttl_s=token["expires_in"],
            )
        )

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request

    def handle_response(
        self, status_code: int, body: object, headers: list[tuple[str, str]]
    ) -> Response[Any]:
        # Litestar sets the content type from media_type; a second header would duplicate it.
        extra = {name: value for name, value in headers if name.lower() != "content-type"}
        return Response(body, status_code=status_code, headers=extra, media_type=MediaType.JSON)

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        """authlib announces steps (e.g. `after_authenticate_client`); nothing listens here."""
