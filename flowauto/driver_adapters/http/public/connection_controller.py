"""Connection routes (SPEC section 4, Connections and secrets).

Everyone in the caller's business domain may list and read connections (never their secret
values); only the owner and admins may change or delete one (see ConnectionService).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, delete, get, post, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from flowauto.domain.connection import ConnectionQuery
from flowauto.domain.paging import DEFAULT_LIMIT
from flowauto.driver_adapters.http.dependencies import (
    Caller,
    LimitParam,
    PageParam,
    PathStr,
    Services,
)
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.connection_schemas import (
    ConnectionCreateBody,
    ConnectionUpdateBody,
    render_connection,
    render_page,
)
from flowauto.driver_adapters.http.public.dag_schemas import CreatedId


class ConnectionController(Controller):
    path = f"{API_PREFIX}/connections"
    tags = ["connections"]

    @post("/", status_code=HTTP_201_CREATED, opt={"audit": "connection.create"})
    async def create(
        self, data: JSONBody[ConnectionCreateBody], caller: Caller, services: Services
    ) -> Response[CreatedId]:
        connection = await services.connections.create(caller, data.to_draft())
        return Response(
            CreatedId(id=connection.id),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"{self.path}/{connection.id}"},
        )

    @get("/")
    async def find(
        self,
        caller: Caller,
        services: Services,
        page: PageParam = 0,
        limit: LimitParam = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        query = ConnectionQuery(biz_domain_id=caller.biz_domain, page=page, limit=limit)
        return render_page(await services.connections.find(caller, query))

    @get("/{connection_id:str}")
    async def read(
        self, connection_id: PathStr, caller: Caller, services: Services
    ) -> dict[str, Any]:
        return render_connection(await services.connections.get(caller, connection_id))

    @put(
        "/{connection_id:str}", status_code=HTTP_204_NO_CONTENT, opt={"audit": "connection.update"}
    )
    async def update(
        self,
        connection_id: PathStr,
        data: JSONBody[ConnectionUpdateBody],
        caller: Caller,
        services: Services,
    ) -> None:
        await services.connections.update(caller, connection_id, data.to_patch())

    @delete(
        "/{connection_id:str}", status_code=HTTP_204_NO_CONTENT, opt={"audit": "connection.delete"}
    )
    async def delete_one(self, connection_id: PathStr, caller: Caller, services: Services) -> None:
        await services.connections.delete(caller, connection_id)
