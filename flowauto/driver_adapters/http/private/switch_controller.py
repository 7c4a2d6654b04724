"""`GET/PUT /admin/switch`: the maintenance switch (private port only)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get, put
from litestar.params import JSONBody

from flowauto.domain.switch import Switch
from flowauto.driver_adapters.http.dependencies import Caller, Services


class SwitchBody(msgspec.Struct, forbid_unknown_fields=True):
    maintenance: bool
    message: str = ""


class SwitchController(Controller):
    path = "/admin/switch"
    tags = ["admin"]

    @get("/")
    async def read(self, caller: Caller, services: Services) -> dict[str, Any]:
        return _render(await services.maintenance.status())

    @put("/", opt={"audit": "switch.change"})
    async def change(
        self, data: JSONBody[SwitchBody], caller: Caller, services: Services
    ) -> dict[str, Any]:
        switch = await services.maintenance.set(caller.user_id, data.maintenance, data.message)
        return _render(switch)


def _render(switch: Switch) -> dict[str, Any]:
    return {
        "maintenance": switch.on, "message": switch.message,
        "updated_at": switch.updated_at, "updated_by": switch.updated_by,
    }  # fmt: skip
