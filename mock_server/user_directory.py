"""The user directory flowauto reads names, departments and groups from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryUser:
    id: str
    name: str
    departments: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "departments": list(self.departments),
            "groups": list(self.groups),
        }


class UserDirectory:
    def __init__(self) -> None:
        self._by_id: dict[str, DirectoryUser] = {}

    def get(self, user_id: str) -> DirectoryUser | None:
        """Returns None when no such user was seeded or minted a token."""
        return self._by_id.get(user_id)

    def put(self, user: DirectoryUser) -> None:
        self._by_id[user.id] = user
