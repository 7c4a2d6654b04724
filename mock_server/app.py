"""The Litestar app that serves the mock's endpoints."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.di import Provide

from mock_server.config import MockServerConfig
from mock_server.directory_controller import DirectoryController
from mock_server.errors import MockServerError, error_response
from mock_server.mock_controller import MockController
from mock_server.oauth_controller import OAuthController
from mock_server.state import MockState


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app(config: MockServerConfig) -> Litestar:
    """A fresh app with empty state; each call gets its own tokens and users."""
    state = MockState(config.clients)

    def provide_state() -> MockState:
        return state

    return Litestar(
        route_handlers=[health, OAuthController, MockController, DirectoryController],
        dependencies={"mock": Provide(provide_state, sync_to_thread=False)},
        exception_handlers={MockServerError: error_response},
        # An unexpected error answers a plain 500 without a traceback.
        debug=False,
    )
