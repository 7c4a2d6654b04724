"""Hydra's public token endpoint and its admin introspection endpoint."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post

from mock_server.form_request import read_form_request
from mock_server.state import MockState


class OAuthController(Controller):
    @post("/oauth2/token", status_code=200)
    async def issue_token(self, request: Request[Any, Any, Any], mock: MockState) -> Response[Any]:
        return mock.authorization.token_response(await read_form_request(request))

    @post("/admin/oauth2/introspect", status_code=200)
    async def introspect(self, request: Request[Any, Any, Any], mock: MockState) -> Response[Any]:
        # Counted before anything can fail: tests use the count to see whether a client's
        # cache kept it from calling at all.
        mock.counters.introspections += 1
        return mock.authorization.introspection_response(await read_form_request(request))
