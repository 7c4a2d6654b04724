"""Service-to-service DAG administration (SPEC section 8); scoped by X-Business-Domain."""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, put
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from flowauto.domain.dag import DagStatus
from flowauto.domain.paging import DEFAULT_LIMIT, DagQuery, DagSortKey, SortOrder
from flowauto.driver_adapters.http.dependencies import Caller, LimitParam, PageParam, Services
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.dag_schemas import IdsBody, render_history, render_page


class DagAdminController(Controller):
    path = API_PREFIX
    tags = ["admin"]

    @put("/dags/activate", opt={"audit": "dag.activate"})
    async def activate(
        self, data: JSONBody[IdsBody], caller: Caller, services: Services
    ) -> dict[str, int]:
        changed = await services.dag_admin.set_status(caller.biz_domain, data.ids, DagStatus.NORMAL)
        return {"changed": changed}

    @put("/dags/deactivate", opt={"audit": "dag.deactivate"})
    async def deactivate(
        self, data: JSONBody[IdsBody], caller: Caller, services: Services
    ) -> dict[str, int]:
        changed = await services.dag_admin.set_status(
            caller.biz_domain, data.ids, DagStatus.STOPPED
        )
        return {"changed": changed}

    @delete("/dags", status_code=HTTP_204_NO_CONTENT, opt={"audit": "dag.delete"})
    async def delete_many(
        self, data: JSONBody[IdsBody], caller: Caller, services: Services
    ) -> None:
        await services.dag_admin.delete(caller.biz_domain, data.ids)

    @get("/history-dags")
    async def history(
        self,
        caller: Caller,
        services: Services,
        page: PageParam = 0,
        limit: LimitParam = DEFAULT_LIMIT,
        sortby: FromQuery[DagSortKey] = DagSortKey.UPDATED_AT,
        order: FromQuery[SortOrder] = SortOrder.DESC,
        keyword: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        query = DagQuery(
            biz_domain_id=caller.biz_domain,
            page=page,
            limit=limit,
            sort_by=sortby,
            order=order,
            keyword=keyword or None,
        )
        return render_page(await services.dag_admin.history(query), render_history)
