"""DAG management routes (SPEC section 4, DAGs)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, delete, get, post, put
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from flowauto.domain.dag import DagStatus
from flowauto.domain.paging import DEFAULT_LIMIT, DagQuery, DagSortKey, SortOrder
from flowauto.driver_adapters.http.dependencies import (
    Caller,
    LimitParam,
    PageParam,
    PathStr,
    Services,
)
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.dag_schemas import (
    BatchGetBody,
    CreatedId,
    DagCreateBody,
    DagUpdateBody,
    IdsBody,
    NextVersion,
    SuggestedName,
    render_document,
    render_page,
    render_summary,
    render_version,
)


class DagController(Controller):
    path = f"{API_PREFIX}/dags"
    tags = ["dags"]

    @post("/", status_code=HTTP_201_CREATED, opt={"audit": "dag.create"})
    async def create(
        self, data: JSONBody[DagCreateBody], caller: Caller, services: Services
    ) -> Response[CreatedId]:
        dag = await services.dags.create(caller, data.to_draft())
        return Response(
            CreatedId(id=dag.id),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"{self.path}/{dag.id}"},
        )

    @get("/")
    async def find(
        self,
        caller: Caller,
        services: Services,
        page: PageParam = 0,
        limit: LimitParam = DEFAULT_LIMIT,
        sortby: FromQuery[DagSortKey] = DagSortKey.UPDATED_AT,
        order: FromQuery[SortOrder] = SortOrder.DESC,
        keyword: FromQuery[str | None] = None,
        type: FromQuery[str | None] = None,
        trigger_type: FromQuery[str | None] = None,
        status: FromQuery[DagStatus | None] = None,
    ) -> dict[str, Any]:
        query = DagQuery(
            biz_domain_id=caller.biz_domain,
            page=page,
            limit=limit,
            sort_by=sortby,
            order=order,
            keyword=keyword or None,
            type=type,
            trigger_type=trigger_type,
            status=status,
        )
        return render_page(await services.dags.find(caller, query), render_summary)

    @get("/{dag_id:str}")
    async def read(
        self,
        dag_id: PathStr,
        caller: Caller,
        services: Services,
        version: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        detail = await services.dags.get(caller, dag_id, version)
        document = render_document(detail.dag, detail.version)
        if detail.webhook_secret is not None:
            url = f"{API_PREFIX}/webhooks/{dag_id}"
            document["webhook"] = {"url": url, "secret": detail.webhook_secret}
        return document

    @put("/{dag_id:str}", status_code=HTTP_204_NO_CONTENT, opt={"audit": "dag.update"})
    async def update(
        self, dag_id: PathStr, data: JSONBody[DagUpdateBody], caller: Caller, services: Services
    ) -> None:
        await services.dags.update(caller, dag_id, data.to_patch())

    @delete("/{dag_id:str}", status_code=HTTP_204_NO_CONTENT, opt={"audit": "dag.delete"})
    async def delete_one(self, dag_id: PathStr, caller: Caller, services: Services) -> None:
        await services.dags.delete_one(caller, dag_id)
        await services.run_control.cancel_runs_of_deleted(caller, dag_id)

    @delete("/", status_code=HTTP_204_NO_CONTENT, opt={"audit": "dag.delete"})
    async def delete_many(
        self, data: JSONBody[IdsBody], caller: Caller, services: Services
    ) -> None:
        await services.dags.delete(caller, data.ids)
        for dag_id in data.ids:
            await services.run_control.cancel_runs_of_deleted(caller, dag_id)

    @post("/batch", status_code=200, opt={"audit": None})
    async def batch_get(
        self, data: JSONBody[BatchGetBody], caller: Caller, services: Services
    ) -> dict[str, Any]:
        dags = await services.dags.get_many(caller, data.ids)
        documents = [render_document(dag) for dag in dags]
        if data.fields is not None:
            wanted = {"id", *data.fields}
            documents = [{k: v for k, v in doc.items() if k in wanted} for doc in documents]
        return {"dags": documents}

    @get("/suggest-name/{name:str}")
    async def suggest_name(
        self, name: PathStr, caller: Caller, services: Services
    ) -> SuggestedName:
        return SuggestedName(name=await services.dags.suggest_name(caller, name))

    @get("/{dag_id:str}/versions")
    async def versions(self, dag_id: PathStr, caller: Caller, services: Services) -> dict[str, Any]:
        versions = await services.dags.list_versions(caller, dag_id)
        return {"versions": [render_version(v) for v in versions]}

    @get("/{dag_id:str}/versions/next")
    async def next_version(
        self, dag_id: PathStr, caller: Caller, services: Services
    ) -> NextVersion:
        return NextVersion(version=await services.dags.next_version(caller, dag_id))

    @post(
        "/{dag_id:str}/versions/{version_id:str}/revert",
        status_code=HTTP_201_CREATED,
        opt={"audit": "dag.revert"},
    )
    async def revert(
        self, dag_id: PathStr, version_id: PathStr, caller: Caller, services: Services
    ) -> dict[str, Any]:
        return render_version(await services.dags.revert(caller, dag_id, version_id))
