"""Combo operators: `POST /operators` registers a DAG as `@combo/<key>`."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from flowauto.application.combo_service import ComboDraft
from flowauto.domain.combo import ComboOperator
from flowauto.driver_adapters.http.dependencies import Caller, Services
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.dag_schemas import CreatedId


class ComboBody(msgspec.Struct, forbid_unknown_fields=True):
    dag_id: str
    key: str
    name: str = ""
    inputs: dict[str, Any] = msgspec.field(default_factory=dict)
    outputs: dict[str, Any] = msgspec.field(default_factory=dict)


class ComboController(Controller):
    path = f"{API_PREFIX}/operators"
    tags = ["operators"]

    @post("/", status_code=HTTP_201_CREATED, opt={"audit": "combo.register"})
    async def register(
        self, data: JSONBody[ComboBody], caller: Caller, services: Services
    ) -> Response[CreatedId]:
        draft = ComboDraft(dag_id=data.dag_id, key=data.key, name=data.name,
                           inputs=data.inputs, outputs=data.outputs)  # fmt: skip
        combo = await services.combos.register(caller, draft)
        return Response(CreatedId(id=combo.id), status_code=201)

    @get("/")
    async def list_combos(self, caller: Caller, services: Services) -> dict[str, Any]:
        return {"operators": [_render(combo) for combo in await services.combos.usable(caller)]}


def _render(combo: ComboOperator) -> dict[str, Any]:
    return {
        "id": combo.id, "key": combo.key, "operator": combo.operator, "name": combo.name,
        "dag_id": combo.dag_id, "inputs": dict(combo.inputs), "outputs": dict(combo.outputs),
        "userid": combo.userid, "created_at": combo.created_at,
    }  # fmt: skip
