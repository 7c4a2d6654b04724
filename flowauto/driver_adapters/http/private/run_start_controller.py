"""`POST /api/automation/v1/dags/{dag_id}/run` on the private port: another service starts a
run for the user named in `X-User-Id`, in the domain of `X-Business-Domain` (the private
app's trusted identity). Body, headers and answer are the public route's."""

from __future__ import annotations

from litestar import Controller, Response, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from flowauto.driver_adapters.http.dependencies import Caller, PathStr, Services
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.dag_schemas import CreatedId
from flowauto.driver_adapters.http.public.run_controller import IdempotencyKey, start_run
from flowauto.driver_adapters.http.public.run_schemas import RunBody


class ServiceRunController(Controller):
    path = f"{API_PREFIX}/dags"
    tags = ["runs"]

    @post("/{dag_id:str}/run", status_code=HTTP_201_CREATED, opt={"audit": "run.start"})
    async def start(
        self, dag_id: PathStr, caller: Caller, services: Services,
        idempotency_key: IdempotencyKey = None, data: JSONBody[RunBody | None] = None,
    ) -> Response[CreatedId]:  # fmt: skip
        return await start_run(services, caller, dag_id, data, idempotency_key)
