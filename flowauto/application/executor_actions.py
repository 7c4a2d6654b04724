"""`@custom/<executor>/<action>` steps: validate the resolved inputs against the action's
schema, call the executor, and take its outputs now (sync) or later through the callback."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowauto.application.executor_service import ExecutorService
from flowauto.application.step_action import gist
from flowauto.domain.dag import DagStatus
from flowauto.domain.executor import Action, AuthType, Executor, split_operator
from flowauto.domain.step_failure import StepFailure
from flowauto.ports.custom_action import CallbackTicket, CustomActions
from flowauto.ports.executor_client import ExecutorCall, ExecutorClient
from flowauto.ports.executor_repository import ExecutorRepository
from flowauto.ports.schema_validator import SchemaValidator


class ExecutorActions(CustomActions):
    def __init__(
        self, *, repository: ExecutorRepository, service: ExecutorService, client: ExecutorClient,
        validator: SchemaValidator, public_url: str,
    ) -> None:  # fmt: skip
        self._repository = repository
        self._service = service
        self._client = client
        self._validator = validator
        self._public_url = public_url.rstrip("/")

    def handles(self, operator: str) -> bool:
        return split_operator(operator) is not None

    async def run(
        self, operator: str, parameters: Mapping[str, Any], ticket: CallbackTicket
    ) -> Mapping[str, Any] | None:
        executor, action = await self._find(operator, ticket.biz_domain_id)
        problem = self._validator.problem(action.input_schema, parameters)
        if problem is not None:
            raise StepFailure(f"{operator}: input {problem}")
        reply = await self._client.call(self._call(executor, action, parameters, ticket))
        if action.mode.value == "async" and reply.status == 202:
            return None
        if reply.status >= 400:
            raise StepFailure(f"{operator} answered {reply.status}: {gist(reply.body)}")
        if not isinstance(reply.body, Mapping):
            raise StepFailure(f"{operator} answered outputs that are not an object")
        return dict(reply.body)

    async def _find(self, operator: str, biz_domain_id: str) -> tuple[Executor, Action]:
        keys = split_operator(operator)
        assert keys is not None
        executor = await self._repository.get_by_key(biz_domain_id, keys[0])
        action = executor.action(keys[1]) if executor is not None else None
        if executor is None or action is None:
            raise StepFailure(f"{operator}: no such executor action in this business domain")
        if executor.status is DagStatus.STOPPED:
            raise StepFailure(f"{operator}: executor {executor.key} is stopped")
        return executor, action

    def _call(
        self, executor: Executor, action: Action, parameters: Mapping[str, Any],
        ticket: CallbackTicket,
    ) -> ExecutorCall:  # fmt: skip
        secret = self._service.secret_of(executor)
        headers = (
            {"Authorization": f"Bearer {secret}"} if executor.auth_type is AuthType.BEARER else {}
        )
        body = {
            "run_id": ticket.run_id, "task_id": ticket.task_id, "inputs": dict(parameters),
            "callback_url": f"{self._public_url}/api/automation/v1/tasks/{ticket.task_id}/results",
            "callback_token": ticket.token,
        }  # fmt: skip
        return ExecutorCall(
            url=executor.base_url + action.path, method=action.method, body=body, headers=headers,
            timeout_ms=action.timeout_ms,
            hmac_secret=secret if executor.auth_type is AuthType.HMAC else "",
        )  # fmt: skip
