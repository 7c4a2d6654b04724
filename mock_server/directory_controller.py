"""The user directory: read by flowauto, seeded by tests."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put

from mock_server.errors import UserNotFoundError
from mock_server.schemas import SeedUserRequest, decode_json
from mock_server.state import MockState
from mock_server.user_directory import DirectoryUser


class DirectoryController(Controller):
    @get("/users/{user_id:str}")
    async def get_user(self, user_id: str, mock: MockState) -> dict[str, Any]:
        user = mock.directory.get(user_id)
        if user is None:
            raise UserNotFoundError(f"no user '{user_id}' in the directory")
        return user.to_json()

    @put("/mock/users/{user_id:str}")
    async def seed_user(
        self, user_id: str, request: Request[Any, Any, Any], mock: MockState
    ) -> dict[str, Any]:
        seed = decode_json(await request.body(), SeedUserRequest)
        user = DirectoryUser(
            id=user_id,
            name=seed.name,
            departments=tuple(seed.departments),
            groups=tuple(seed.groups),
        )
        mock.directory.put(user)
        return user.to_json()
