"""Debug routes: one step now (single-debug), or a whole unsaved DAG as a debug run."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from flowauto.application.run_service import RunRequest
from flowauto.application.step_debug import StepDebugResult
from flowauto.domain.dag_document import parse_steps
from flowauto.driver_adapters.http.dependencies import Caller, Services
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.dag_schemas import CreatedId, DagCreateBody


class SingleDebugBody(msgspec.Struct, forbid_unknown_fields=True):
    step: dict[str, Any]
    inputs: dict[str, Any] = msgspec.field(default_factory=dict)


class DebugController(Controller):
    path = f"{API_PREFIX}/dags"
    tags = ["debug"]

    @post("/single-debug", status_code=HTTP_200_OK, opt={"audit": "task.debug"})
    async def single(
        self, data: JSONBody[SingleDebugBody], caller: Caller, services: Services
    ) -> dict[str, Any]:
        step = parse_steps([data.step], field="step")[0]
        await services.dags.catalog_check(caller, step)
        return _render(await services.step_debug.run_step(step, data.inputs))

    @get("/single-debug/result")
    async def result(
        self, id: FromQuery[str], caller: Caller, services: Services
    ) -> dict[str, Any]:
        return _render(services.step_debug.result(id))

    @post("/full-debug", status_code=HTTP_201_CREATED, opt={"audit": "run.debug"})
    async def full(
        self, data: JSONBody[DagCreateBody], caller: Caller, services: Services
    ) -> Response[CreatedId]:
        run_id = await services.runs.start_debug(caller, data.to_draft(), RunRequest())
        location = f"{API_PREFIX}/instances/{run_id}"
        return Response(CreatedId(id=run_id), status_code=201, headers={"Location": location})


def _render(result: StepDebugResult) -> dict[str, Any]:
    return {
        "id": result.id,
        "status": result.status,
        "outputs": dict(result.outputs),
        "reason": result.reason,
        "duration_ms": result.duration_ms,
    }
