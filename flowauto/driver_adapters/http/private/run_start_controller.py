"""`POST /api/automation/v1/dags/{dag_id}/run` on the private port: another service starts a
run for the user named in `X-User-Id`, in the domain of `X-Business-Domain` (the private
app's trusted identity). Body, headers and answer are the public route's."""

from __future__ import annotations

from litestar import Controller, Response, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from flowauto.application.run_service import RunRequest
from flowauto.application.services import Services as ServiceSet
from flowauto.domain.identity import Identity
from flowauto.driver_adapters.http.dependencies import Caller, PathStr, Services
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.dag_schemas import CreatedId
from flowauto.driver_adapters.http.public.run_controller import IdempotencyKey
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


async def start_run(
    services: ServiceSet, caller: Identity, dag_id: str, body: RunBody | None,
    idempotency_key: str | None,
) -> Response[CreatedId]:  # fmt: skip
    """Starts a run as the public `POST /dags/{id}/run` does: 201 with the id and where to
    read the run."""
    given = body or RunBody()
    request = RunRequest(data=given.data, vars=given.vars, idempotency_key=idempotency_key or "")
    run_id = await services.runs.start(caller, dag_id, request)
    location = f"{API_PREFIX}/instances/{run_id}"
    return Response(CreatedId(id=run_id), status_code=201, headers={"Location": location})
