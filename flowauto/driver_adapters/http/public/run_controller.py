"""Run routes (SPEC section 4, Runs): start, list, read, control, live events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromQuery, HeaderParameter, JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED

from flowauto.application.run_service import RunRequest
from flowauto.application.services import Services as ServiceSet
from flowauto.domain.errors import FieldInvalidError
from flowauto.domain.identity import Identity
from flowauto.domain.paging import DEFAULT_LIMIT, MAX_LIMIT, RunQuery, RunSortKey, SortOrder
from flowauto.domain.run import Run, RunStatus, TaskStatus
from flowauto.driver_adapters.http.audit import CALLBACK_USER
from flowauto.driver_adapters.http.dependencies import (
    Caller,
    LimitParam,
    PageParam,
    PathStr,
    Services,
)
from flowauto.driver_adapters.http.paths import API_PREFIX
from flowauto.driver_adapters.http.public.dag_schemas import CreatedId
from flowauto.driver_adapters.http.public.run_schemas import (
    ContinueBody,
    OptionalIdsBody,
    RerunBody,
    ResultBody,
    RunBody,
    RunIdsBody,
    RunState,
    render_event_data,
    render_instances,
    render_run,
    render_task,
)

IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=200)]
LastEventId = Annotated[str | None, HeaderParameter(name="Last-Event-ID")]
CallbackAuthorization = Annotated[str | None, HeaderParameter(name="Authorization")]
_RUN_STATUSES = frozenset(status.value for status in RunStatus)
_TASK_STATUSES = frozenset(status.value for status in TaskStatus)


class DagRunController(Controller):
    path = f"{API_PREFIX}/dags"
    tags = ["runs"]

    @post("/{dag_id:str}/run", status_code=HTTP_201_CREATED, opt={"audit": "run.start"})
    async def start(
        self, dag_id: PathStr, caller: Caller, services: Services,
        idempotency_key: IdempotencyKey = None, data: JSONBody[RunBody | None] = None,
    ) -> Response[CreatedId]:  # fmt: skip
        return await start_run(services, caller, dag_id, data, idempotency_key)

    @post("/{dag_id:str}/cancel", status_code=HTTP_202_ACCEPTED, opt={"audit": "dag.cancel_runs"})
    async def cancel(
        self, dag_id: PathStr, caller: Caller, services: Services,
        data: JSONBody[OptionalIdsBody | None] = None,
    ) -> dict[str, Any]:  # fmt: skip
        if data is not None and data.ids is not None:
            return {"canceled": await services.run_control.cancel_many(caller, data.ids)}
        return {"canceled": await services.run_control.cancel_dag_runs(caller, dag_id)}

    @get("/{dag_id:str}/instances")
    async def instances(
        self, dag_id: PathStr, caller: Caller, services: Services,
        page: PageParam = 0, limit: LimitParam = DEFAULT_LIMIT,
        sortby: FromQuery[RunSortKey] = RunSortKey.CREATED_AT,
        order: FromQuery[SortOrder] = SortOrder.DESC,
        status: FromQuery[str | None] = None,
        start_time: FromQuery[int | None] = None,
        end_time: FromQuery[int | None] = None,
        name: FromQuery[str | None] = None,
    ) -> dict[str, Any]:  # fmt: skip
        query = RunQuery(
            biz_domain_id=caller.biz_domain, dag_id=dag_id, page=page, limit=limit,
            sort_by=sortby, order=order, statuses=_statuses(status, _RUN_STATUSES),
            start_time=start_time, end_time=end_time, name=name or None,
        )  # fmt: skip
        return render_instances(await services.runs.find(caller, query))

    @get("/{dag_id:str}/count")
    async def count(self, dag_id: PathStr, caller: Caller, services: Services) -> dict[str, int]:
        return await services.runs.counts(caller, dag_id)


class InstanceController(Controller):
    path = f"{API_PREFIX}/instances"
    tags = ["runs"]

    @get("/{run_id:str}")
    async def read(self, run_id: PathStr, caller: Caller, services: Services) -> dict[str, Any]:
        return render_run(await services.runs.get(caller, run_id))

    @get("/{run_id:str}/tasks")
    async def tasks(
        self, run_id: PathStr, caller: Caller, services: Services,
        status: FromQuery[str | None] = None, page: PageParam = 0, limit: LimitParam = MAX_LIMIT,
    ) -> dict[str, Any]:  # fmt: skip
        tasks = await services.runs.tasks(caller, run_id, _statuses(status, _TASK_STATUSES))
        shown = tasks[page * limit : (page + 1) * limit]
        return {
            "total": len(tasks), "page": page, "limit": limit,
            "tasks": [render_task(task) for task in shown],
        }  # fmt: skip

    @post("/cancel", status_code=HTTP_202_ACCEPTED, opt={"audit": "run.cancel"})
    async def cancel_many(
        self, data: JSONBody[RunIdsBody], caller: Caller, services: Services
    ) -> dict[str, Any]:
        return {"canceled": await services.run_control.cancel_many(caller, data.ids)}

    @post("/{run_id:str}/cancel", status_code=HTTP_202_ACCEPTED, opt={"audit": "run.cancel"})
    async def cancel(self, run_id: PathStr, caller: Caller, services: Services) -> RunState:
        return _state(await services.run_control.cancel(caller, run_id))

    @post("/{run_id:str}/pause", status_code=HTTP_202_ACCEPTED, opt={"audit": "run.pause"})
    async def pause(self, run_id: PathStr, caller: Caller, services: Services) -> RunState:
        return _state(await services.run_control.pause(caller, run_id))

    @post("/{run_id:str}/resume", status_code=HTTP_202_ACCEPTED, opt={"audit": "run.resume"})
    async def resume(self, run_id: PathStr, caller: Caller, services: Services) -> RunState:
        return _state(await services.run_control.resume(caller, run_id))

    @post("/{run_id:str}/retry", status_code=HTTP_202_ACCEPTED, opt={"audit": "run.retry"})
    async def retry(self, run_id: PathStr, caller: Caller, services: Services) -> RunState:
        return _state(await services.run_control.retry(caller, run_id))

    @post("/{run_id:str}/rerun", status_code=HTTP_201_CREATED, opt={"audit": "run.rerun"})
    async def rerun(
        self, run_id: PathStr, data: JSONBody[RerunBody], caller: Caller, services: Services
    ) -> Response[CreatedId]:
        latest = data.version == "latest"
        new_id = await services.runs.rerun(caller, run_id, data.from_step, latest)
        location = f"{API_PREFIX}/instances/{new_id}"
        return Response(CreatedId(id=new_id), status_code=201, headers={"Location": location})

    @get("/{run_id:str}/events")
    async def events(
        self, run_id: PathStr, caller: Caller, services: Services,
        last_event_id: LastEventId = None,
    ) -> ServerSentEvent:  # fmt: skip
        after = _last_seen(last_event_id)
        await services.runs.get(caller, run_id)  # 404 before the stream starts
        return ServerSentEvent(_messages(services, caller, run_id, after))


class TaskController(Controller):
    path = f"{API_PREFIX}/tasks"
    tags = ["runs"]

    @put(
        "/{task_id:str}/results",
        status_code=HTTP_202_ACCEPTED,
        opt={"audit": "task.results", "anonymous": True},
    )
    async def results(
        self, task_id: PathStr, data: JSONBody[ResultBody], services: Services,
        request: Request[Any, Any, Any], authorization: CallbackAuthorization = None,
    ) -> RunState:  # fmt: skip
        """An action's late answer; authenticated by the task's callback token (Bearer)."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        task, biz_domain = await services.run_control.take_result(
            task_id, token, data.status, data.outputs, data.reason
        )
        request.state.audit_as = Identity(user_id=CALLBACK_USER, biz_domain=biz_domain)
        return RunState(id=task.id, status=task.status.value)

    @post("/{task_id:str}/continue", status_code=HTTP_202_ACCEPTED, opt={"audit": "task.continue"})
    async def continue_task(
        self, task_id: PathStr, data: JSONBody[ContinueBody], caller: Caller, services: Services
    ) -> RunState:
        task = await services.run_control.continue_task(caller, task_id, data.result, data.data)
        return RunState(id=task.id, status=task.status.value)


async def _messages(
    services: ServiceSet, caller: Identity, run_id: str, after: int
) -> AsyncIterator[ServerSentEventMessage]:
    async for event in services.runs.follow(caller, run_id, after):
        yield ServerSentEventMessage(
            data=render_event_data(event), event=event.type.value, id=event.seq
        )


def _state(run: Run) -> RunState:
    return RunState(id=run.id, status=run.status.value)


def _statuses(text: str | None, known: frozenset[str]) -> tuple[str, ...]:
    wanted = tuple(part.strip() for part in (text or "").split(",") if part.strip())
    unknown = [status for status in wanted if status not in known]
    if unknown:
        raise FieldInvalidError("status", f"unknown status {unknown[0]!r}")
    return wanted


def _last_seen(header: str | None) -> int:
    if not header:
        return 0
    if not header.strip().isdigit():
        raise FieldInvalidError("Last-Event-ID", "must be a sequence number")
    return int(header)


async def start_run(
    services: ServiceSet, caller: Identity, dag_id: str, body: RunBody | None,
    idempotency_key: str | None,
) -> Response[CreatedId]:  # fmt: skip
    """`POST /dags/{id}/run` on either port: 201 with the run's id and where to read it."""
    given = body or RunBody()
    request = RunRequest(data=given.data, vars=given.vars, idempotency_key=idempotency_key or "")
    run_id = await services.runs.start(caller, dag_id, request)
    location = f"{API_PREFIX}/instances/{run_id}"
    return Response(CreatedId(id=run_id), status_code=201, headers={"Location": location})
