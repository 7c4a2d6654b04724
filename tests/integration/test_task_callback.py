"""Async callbacks: an action answers later with `PUT /tasks/{id}/results` and its token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

from flowauto.bootstrap import build_in_memory
from flowauto.domain.operator_catalog import OperatorKind, OperatorSpec
from flowauto.ports.custom_action import CallbackTicket, CustomActions
from tests.engine import manual, step
from tests.http_client import API, TokenAuthenticator, as_user, public_client
from tests.integration.test_run_api import tasks_of, until

ANN = as_user("ann")
LATER = "@custom/test/later"


class AnswerLater(CustomActions):
    """Stands in for a custom executor that accepts the work and calls back when done."""

    def __init__(self) -> None:
        self.tickets: list[CallbackTicket] = []

    def handles(self, operator: str) -> bool:
        return operator == LATER

    async def run(
        self, operator: str, parameters: Mapping[str, Any], ticket: CallbackTicket
    ) -> Mapping[str, Any] | None:
        self.tickets.append(ticket)
        return None


@pytest.fixture
def executor() -> AnswerLater:
    return AnswerLater()


@pytest.fixture
async def client(executor: AnswerLater) -> AsyncIterator[Any]:
    spec = OperatorSpec(name=LATER, kind=OperatorKind.ACTION, title="Answers later")
    services = build_in_memory(authenticator=TokenAuthenticator(), custom=(executor, [spec]))
    async with public_client(services) as client:
        yield client


async def started(client: Any) -> str:
    body = {"title": "callback", "steps": [manual(), step("2", LATER),
            step("3", "@internal/text/join", texts=["{{__2.answer}}"])]}  # fmt: skip
    dag_id = (await client.post(f"{API}/dags", json=body, headers=ANN)).json()["id"]
    run_id = (await client.post(f"{API}/dags/{dag_id}/run", json={}, headers=ANN)).json()["id"]
    await until(client, run_id, "blocked")
    return str(run_id)


async def test_the_callback_with_the_tasks_token_continues_the_run(
    client: Any, executor: AnswerLater
) -> None:
    run_id = await started(client)
    ticket = executor.tickets[0]
    url = f"{API}/tasks/{ticket.task_id}/results"
    answer = {"status": "success", "outputs": {"answer": 42}}
    wrong = await client.put(url, json=answer, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    done = await client.put(url, json=answer, headers={"Authorization": f"Bearer {ticket.token}"})
    assert done.status_code == 202, done.text
    assert (await until(client, run_id))["status"] == "success"
    tasks = await tasks_of(client, run_id)
    assert tasks["3"]["outputs"] == {"text": "42"}
    assert "callback_digest" not in tasks["2"]
    again = await client.put(url, json=answer, headers={"Authorization": f"Bearer {ticket.token}"})
    assert again.status_code == 409


async def test_a_failed_callback_fails_the_run_with_its_reason(
    client: Any, executor: AnswerLater
) -> None:
    run_id = await started(client)
    ticket = executor.tickets[0]
    answer = {"status": "failed", "reason": "the printer is on fire"}
    response = await client.put(
        f"{API}/tasks/{ticket.task_id}/results", json=answer,
        headers={"Authorization": f"Bearer {ticket.token}"},
    )  # fmt: skip
    assert response.status_code == 202
    run = await until(client, run_id)
    assert run["status"] == "failed"
    assert "the printer is on fire" in run["reason"]
    bad = await client.put(f"{API}/tasks/{ticket.task_id}/results", json={"status": "maybe"})
    assert bad.status_code == 400
