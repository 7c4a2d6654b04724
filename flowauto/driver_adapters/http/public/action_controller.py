"""The operator catalog (`GET /actions`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get

from flowauto.driver_adapters.http.dependencies import Caller, Services
from flowauto.driver_adapters.http.paths import API_PREFIX


class ActionController(Controller):
    path = f"{API_PREFIX}/actions"
    tags = ["actions"]

    @get("/")
    async def catalog(self, caller: Caller, services: Services) -> dict[str, Any]:
        entries = (await services.dags.catalog_for(caller)).entries()
        return {"actions": [entry.to_catalog_entry() for entry in entries]}
