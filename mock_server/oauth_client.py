"""A configured OAuth2 client, in the shape authlib's server expects (`ClientMixin`)."""

from __future__ import annotations

import secrets

from authlib.oauth2.rfc6749 import ClientMixin

from mock_server.config import ClientCredentials

# Hydra's default for clients; client_secret_post is accepted too, as Hydra can be told to.
SECRET_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class RegisteredClient(ClientMixin):  # type: ignore[misc]
    """A confidential client that may only use the client-credentials grant."""

    def __init__(self, credentials: ClientCredentials) -> None:
        self._credentials = credentials

    def get_client_id(self) -> str:
        return self._credentials.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        # The mock grants whatever scope is asked for; flowauto does not rely on scopes.
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        # Bytes, because compare_digest refuses non-ASCII str.
        return secrets.compare_digest(
            client_secret.encode(), self._credentials.client_secret.encode()
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in SECRET_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"
