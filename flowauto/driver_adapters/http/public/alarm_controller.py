"""Alarm rule routes (SPEC section 4, Alarms).

Everyone in the caller's business domain may list and read its rules; only the creator and
admins may change or delete one (see AlarmService).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, delete, get, post, put
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from flowauto.domain.alarm import AlarmRuleQuery
from flowauto.domain.paging import DEFAULT_LIMIT
from flowauto.driver_adapters.http.dependencies import (
    Caller,
    LimitParam,
    PageParam,
    PathStr,
    Services,
)
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.alarm_schemas import (
    AlarmRuleCreateBody,
    AlarmRuleUpdateBody,
    render_alarm_rule,
    render_page,
)
from flowauto.driver_adapters.http.public.dag_schemas import CreatedId


class AlarmRuleController(Controller):
    path = f"{API_PREFIX}/alarm-rules"
    tags = ["alarms"]

    @post("/", status_code=HTTP_201_CREATED, opt={"audit": "alarm_rule.create"})
    async def create(
        self, data: JSONBody[AlarmRuleCreateBody], caller: Caller, services: Services
    ) -> Response[CreatedId]:
        rule = await services.alarms.create(caller, data.to_draft())
        return Response(
            CreatedId(id=rule.id),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"{self.path}/{rule.id}"},
        )

    @get("/")
    async def find(
        self,
        caller: Caller,
        services: Services,
        page: PageParam = 0,
        limit: LimitParam = DEFAULT_LIMIT,
    ) -> dict[str, Any]:
        query = AlarmRuleQuery(biz_domain_id=caller.biz_domain, page=page, limit=limit)
        return render_page(await services.alarms.find(caller, query))

    @get("/{rule_id:str}")
    async def read(self, rule_id: PathStr, caller: Caller, services: Services) -> dict[str, Any]:
        return render_alarm_rule(await services.alarms.get(caller, rule_id))

    @put("/{rule_id:str}", status_code=HTTP_204_NO_CONTENT, opt={"audit": "alarm_rule.update"})
    async def update(
        self,
        rule_id: PathStr,
        data: JSONBody[AlarmRuleUpdateBody],
        caller: Caller,
        services: Services,
    ) -> None:
        await services.alarms.update(caller, rule_id, data.to_patch())

    @delete("/{rule_id:str}", status_code=HTTP_204_NO_CONTENT, opt={"audit": "alarm_rule.delete"})
    async def delete_one(self, rule_id: PathStr, caller: Caller, services: Services) -> None:
        await services.alarms.delete(caller, rule_id)
