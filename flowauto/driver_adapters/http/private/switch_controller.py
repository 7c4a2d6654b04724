"""`GET/PUT /admin/switch`: the maintenance switch (private port only). While enabled, public
writes answer 503 with the message."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, get, put
from litestar.params import JSONBody

from flowauto.domain.switch import Switch
from flowauto.driver_adapters.http.dependencies import Caller, Services
from flowauto.driver_adapters.http.private.admin_paths import admin_paths


class SwitchBody(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool
    message: str = ""


class SwitchController(Controller):
    path = "/"
    tags = ["admin"]

    @get(admin_paths("/switch"))
    async def read(self, caller: Caller, services: Services) -> dict[str, Any]:
        return _render(await services.maintenance.status())

    @put(admin_paths("/switch"), opt={"audit": "switch.change"})
    async def change(
        self, data: JSONBody[SwitchBody], caller: Caller, services: Services
    ) -> dict[str, Any]:
        switch = await services.maintenance.set(caller.user_id, data.enabled, data.message)
        return _render(switch)


def _render(switch: Switch) -> dict[str, Any]:
    return {
        "enabled": switch.on, "message": switch.message,
        "updated_at": switch.updated_at, "updated_by": switch.updated_by,
    }  # fmt: skip
