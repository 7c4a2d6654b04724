"""Controlling runs: cancel, pause, resume, retry, and continuing blocked tasks."""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flowauto.application.run_change import Plan, change_run, finish_blocked
from flowauto.application.run_end import RunEndListener, RunEndListeners
from flowauto.application.run_engine import RunEngine
from flowauto.application.step_action import callback_digest, callback_expired
from flowauto.domain.errors import (
    DagNotFoundError,
    FieldInvalidError,
    RunNotFoundError,
    RunStatusConflictError,
    TaskNotFoundError,
    UnauthenticatedError,
)
from flowauto.domain.identity import DEFAULT_BIZ_DOMAIN, Identity, can_read
from flowauto.domain.paging import RunQuery
from flowauto.domain.run import (
    Run,
    RunStatus,
    TaskInstance,
    TaskStatus,
)
from flowauto.ports.clock import Clock
from flowauto.ports.dag_repository import DagRepository
from flowauto.ports.run_lease import RunLeases
from flowauto.ports.run_repository import RunRepository

APPROVAL_RESULTS = ("pass", "reject", "revoke")
CALLBACK_STATUSES = ("success", "failed")
ACTIVE = ("init", "scheduled", "running", "blocked", "paused")


class RunControl:
    def __init__(
        self,
        *,
        runs: RunRepository,
        leases: RunLeases,
        dags: DagRepository,
        engine: RunEngine | None,
        clock: Clock,
    ) -> None:
        self._runs = runs
        self._dags = dags
        self._leases = leases
        self._engine = engine
        self._clock = clock
        self._listeners = RunEndListeners()

    async def cancel(self, caller: Identity, run_id: str) -> Run:
        run = await self._change(caller, run_id, self._canceled)
        await self._leases.revoke(run_id)
        if self._engine is not None:
            self._engine.abort(run_id)
        self._listeners.tell(run)
        return run

    def listen(self, listener: RunEndListener) -> None:
        """Adds a listener told about every run canceled here."""
        self._listeners.add(listener)

    async def cancel_many(self, caller: Identity, run_ids: Sequence[str]) -> list[str]:
        """Cancels the caller's non-terminal runs among `run_ids`; returns those canceled."""
        canceled: list[str] = []
        for run_id in dict.fromkeys(run_ids):
            run = await self._runs.get(run_id)
            if run is None or run.biz_domain_id != caller.biz_domain or run.terminal:
                continue
            await self.cancel(caller, run_id)
            canceled.append(run_id)
        return canceled

    async def cancel_dag_runs(self, caller: Identity, dag_id: str) -> list[str]:
        """`POST /dags/{id}/cancel`: the DAG must be one the caller may read and run."""
        dag = await self._dags.get(caller.biz_domain, dag_id)
        if dag is None or not can_read(caller, dag):
            raise DagNotFoundError(dag_id)
        return await self.cancel_runs_of_deleted(caller, dag_id)

    async def cancel_runs_of_deleted(self, caller: Identity, dag_id: str) -> list[str]:
        """After a DAG was deleted (which checked the caller's right): its live runs end."""
        query = RunQuery(
            biz_domain_id=caller.biz_domain, dag_id=dag_id, statuses=ACTIVE, limit=1000,
            include_debug=True,
        )  # fmt: skip
        page = await self._runs.find(query)
        return await self.cancel_many(caller, [run.id for run in page.items])

    async def pause(self, caller: Identity, run_id: str) -> Run:
        def paused(run: Run, tasks: list[TaskInstance]) -> tuple[Run, list[TaskInstance]]:
            return run.moved(RunStatus.PAUSED, paused_from=run.status), []

        return await self._change(caller, run_id, paused)

    async def resume(self, caller: Identity, run_id: str) -> Run:
        def resumed(run: Run, tasks: list[TaskInstance]) -> tuple[Run, list[TaskInstance]]:
            if run.status is not RunStatus.PAUSED:
                raise RunStatusConflictError(run.id, run.status.value, "resumed")
            back = run.paused_from or RunStatus.SCHEDULED
            # A blocked run comes back runnable: its timers or approvals may have passed.
            target = RunStatus.RUNNING if back is RunStatus.BLOCKED else back
            return run.moved(target, paused_from=None), []

        run = await self._change(caller, run_id, resumed)
        await self._kick(run_id)
        return run

    async def retry(self, caller: Identity, run_id: str) -> Run:
        """Runs the failed and not-yet-run steps of a failed run again, keeping successes."""

        def retried(run: Run, tasks: list[TaskInstance]) -> tuple[Run, list[TaskInstance]]:
            if run.status is not RunStatus.FAILED:
                raise RunStatusConflictError(run.id, run.status.value, "retried")
            again = [
                dataclasses.replace(task, status=TaskStatus.PENDING, reason="")
                for task in tasks
                if task.status in (TaskStatus.FAILED, TaskStatus.CANCELED)
            ]
            fresh = run.moved(RunStatus.SCHEDULED, reason="", ended_at=None, duration_ms=None)
            return fresh, again

        run = await self._change(caller, run_id, retried)
        # The failed run kept its last holder's name; nobody drives it, so free it outright.
        await self._leases.revoke(run_id)
        await self._kick(run_id)
        return run

    async def take_result(
        self, task_id: str, token: str, status: str, outputs: Mapping[str, Any], reason: str
    ) -> tuple[TaskInstance, str]:
        """An action's late answer (`PUT /tasks/{id}/results`), authenticated by the task's
        callback token instead of a user: the run continues from that step. Returns the task
        and its run's business domain (where the call is audited)."""
        if status not in CALLBACK_STATUSES:
            raise FieldInvalidError("status", f"must be one of {', '.join(CALLBACK_STATUSES)}")
        task = await self._runs.get_task(task_id)
        if task is None:
            raise TaskNotFoundError(task_id)
        if not task.callback_digest or not hmac.compare_digest(
            task.callback_digest, callback_digest(token)
        ):
            raise UnauthenticatedError("the callback token does not match this task")
        if callback_expired(token, self._clock.now_ms()):
            raise UnauthenticatedError("the callback token has expired")
        done = await finish_blocked(
            self._runs, self._clock, task, TaskStatus(status), outputs,
            reason or ("" if status == "success" else "the action reported a failure"),
        )  # fmt: skip
        await self._kick(task.run_id)
        run = await self._runs.get(task.run_id)
        return done, run.biz_domain_id if run else DEFAULT_BIZ_DOMAIN

    async def continue_task(
        self, caller: Identity, task_id: str, result: str, data: Mapping[str, Any]
    ) -> TaskInstance:
        """Brings an approval decision; the run continues from the approval step."""
        if result not in APPROVAL_RESULTS:
            raise FieldInvalidError("result", f"must be one of {', '.join(APPROVAL_RESULTS)}")
        task = await self._runs.get_task(task_id)
        if task is None:
            raise TaskNotFoundError(task_id)
        outputs = {"result": result, "data": dict(data), "approver": caller.user_id}
        return await self.finish_task(caller, task, TaskStatus.SUCCESS, outputs, "")

    async def finish_task(
        self, caller: Identity, task: TaskInstance, status: TaskStatus,
        outputs: Mapping[str, Any], reason: str,
    ) -> TaskInstance:  # fmt: skip
        """Ends a blocked task (approval, async callback) and wakes its run."""
        done = await finish_blocked(
            self._runs, self._clock, task, status, outputs, reason, _in_domain_of(caller)
        )
        await self._kick(task.run_id)
        return done

    def _canceled(self, run: Run, tasks: list[TaskInstance]) -> tuple[Run, list[TaskInstance]]:
        now_ms = self._clock.now_ms()
        ended = run.moved(
            RunStatus.CANCELED, reason="canceled", ended_at=now_ms // 1000, wake_at_ms=None,
            duration_ms=now_ms - run.started_ms if run.started_ms else None,
        )  # fmt: skip
        open_tasks = [
            dataclasses.replace(task, status=TaskStatus.CANCELED, ended_at=now_ms // 1000)
            for task in tasks
            if not task.terminal
        ]
        return ended, open_tasks

    async def _change(self, caller: Identity, run_id: str, plan: Plan) -> Run:
        return await change_run(self._runs, self._clock, run_id, plan, _in_domain_of(caller))

    async def _kick(self, run_id: str) -> None:
        if self._engine is not None:
            await self._engine.kick(run_id)


def _in_domain_of(caller: Identity) -> Callable[[Run], None]:
    """Runs of another business domain do not exist for the caller."""

    def check(run: Run) -> None:
        if run.biz_domain_id != caller.biz_domain:
            raise RunNotFoundError(run.id)

    return check
