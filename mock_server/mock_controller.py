"""Test-only helpers under /mock: mint user tokens, read counters, start over."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post

from mock_server.schemas import MintTokenRequest, decode_json, directory_claims
from mock_server.state import MockState
from mock_server.token_response import token_response


class MockController(Controller):
    path = "/mock"

    @post("/tokens", status_code=200)
    async def mint_token(self, request: Request[Any, Any, Any], mock: MockState) -> dict[str, Any]:
        order = decode_json(await request.body(), MintTokenRequest)
        ext = order.ext or {}
        # Validated before anything is stored, so a bad claim leaves no trace.
        claims = directory_claims(ext)
        token = mock.mint(sub=order.sub, ext=ext, ttl_s=order.ttl)
        mock.record_user(order.sub, claims)
        return token_response(token)

    @get("/stats")
    async def stats(self, mock: MockState) -> dict[str, int]:
        return {"introspections": mock.counters.introspections}

    @post("/reset", status_code=200)
    async def reset(self, mock: MockState) -> dict[str, str]:
        mock.reset()
        return {"status": "reset"}
