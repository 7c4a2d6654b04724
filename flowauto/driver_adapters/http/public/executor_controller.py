"""Executor routes (SPEC section 5): CRUD, actions, import."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, delete, get, post, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from flowauto.driver_adapters.http.dependencies import Caller, PathStr, Services
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.dag_schemas import CreatedId
from flowauto.driver_adapters.http.public.executor_schemas import (
    ActionBody,
    ExecutorBody,
    render_executor,
)


class ExecutorController(Controller):
    path = f"{API_PREFIX}/executors"
    tags = ["executors"]

    @post("/", status_code=HTTP_201_CREATED, opt={"audit": "executor.create"})
    async def create(
        self, data: JSONBody[ExecutorBody], caller: Caller, services: Services
    ) -> Response[CreatedId]:
        executor = await services.executors.create(caller, data.to_draft())
        return _created(f"{self.path}/{executor.id}", executor.id)

    @post("/import", status_code=HTTP_201_CREATED, opt={"audit": "executor.import"})
    async def import_document(
        self, data: JSONBody[ExecutorBody], caller: Caller, services: Services
    ) -> Response[CreatedId]:
        """Idempotent by key: a known key updates that executor (200), else 201."""
        executor, created = await services.executors.import_document(caller, data.to_draft())
        response = _created(f"{self.path}/{executor.id}", executor.id)
        response.status_code = 201 if created else 200
        return response

    @get("/")
    async def list_usable(self, caller: Caller, services: Services) -> dict[str, Any]:
        executors = await services.executors.usable(caller)
        return {"executors": [render_executor(executor) for executor in executors]}

    @get("/{executor_id:str}")
    async def read(
        self, executor_id: PathStr, caller: Caller, services: Services
    ) -> dict[str, Any]:
        return render_executor(await services.executors.get(caller, executor_id))

    @put("/{executor_id:str}", status_code=HTTP_204_NO_CONTENT, opt={"audit": "executor.update"})
    async def update(
        self, executor_id: PathStr, data: JSONBody[ExecutorBody], caller: Caller, services: Services
    ) -> None:
        await services.executors.update(caller, executor_id, data.to_draft())

    @delete("/{executor_id:str}", status_code=HTTP_204_NO_CONTENT, opt={"audit": "executor.delete"})
    async def remove(self, executor_id: PathStr, caller: Caller, services: Services) -> None:
        await services.executors.delete(caller, executor_id)

    @post(
        "/{executor_id:str}/actions",
        status_code=HTTP_201_CREATED,
        opt={"audit": "executor.add_action"},
    )
    async def add_action(
        self, executor_id: PathStr, data: JSONBody[ActionBody], caller: Caller, services: Services
    ) -> Response[CreatedId]:
        action = await services.executors.add_action(caller, executor_id, data.to_draft())
        return _created(f"{self.path}/{executor_id}/actions/{action.id}", action.id)

    @put(
        "/{executor_id:str}/actions/{action_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        opt={"audit": "executor.change_action"},
    )
    async def change_action(
        self, executor_id: PathStr, action_id: PathStr, data: JSONBody[ActionBody],
        caller: Caller, services: Services,
    ) -> None:  # fmt: skip
        await services.executors.change_action(caller, executor_id, action_id, data.to_draft())

    @delete(
        "/{executor_id:str}/actions/{action_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        opt={"audit": "executor.remove_action"},
    )
    async def remove_action(
        self, executor_id: PathStr, action_id: PathStr, caller: Caller, services: Services
    ) -> None:
        await services.executors.change_action(caller, executor_id, action_id, None)


def _created(location: str, new_id: str) -> Response[CreatedId]:
    return Response(CreatedId(id=new_id), status_code=201, headers={"Location": location})
