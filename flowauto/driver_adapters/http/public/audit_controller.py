"""`GET /audit-logs`: the business domain's audit trail, newest first (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import Parameter

from flowauto.domain.audit import AuditEntry, AuditQuery
from flowauto.domain.paging import DEFAULT_LIMIT
from flowauto.driver_adapters.http.dependencies import Caller, LimitParam, PageParam, Services
from flowauto.driver_adapters.http.paths import API_PREFIX

Filter = Annotated[str | None, Parameter(min_length=1, max_length=128)]
MillisParam = Annotated[int | None, Parameter(ge=0, description="Unix milliseconds")]


class AuditLogController(Controller):
    path = f"{API_PREFIX}/audit-logs"
    tags = ["audit"]

    @get("/")
    async def find(
        self,
        caller: Caller,
        services: Services,
        page: PageParam = 0,
        limit: LimitParam = DEFAULT_LIMIT,
        user: Filter = None,
        action: Filter = None,
        object_type: Filter = None,
        object_id: Filter = None,
        since: MillisParam = None,
        until: MillisParam = None,
    ) -> dict[str, Any]:
        query = AuditQuery(
            biz_domain=caller.biz_domain, user=user, action=action, object_type=object_type,
            object_id=object_id, since=since, until=until, page=page, limit=limit,
        )  # fmt: skip
        found = await services.audit.find(caller, query)
        return {"total": found.total, "page": found.page, "limit": found.limit,
                "entries": [_render(entry) for entry in found.items]}  # fmt: skip


def _render(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at, "user": entry.user, "biz_domain": entry.biz_domain,
        "action": entry.action, "object_type": entry.object_type,
        "object_id": entry.object_id, "detail": entry.detail,
    }  # fmt: skip
