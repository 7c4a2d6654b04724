"""Single-debug and full-debug through the public app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from flowauto.bootstrap import build_in_memory
from tests.engine import manual, step
from tests.http_client import API, TokenAuthenticator, as_user, public_client
from tests.integration.test_run_api import tasks_of, until

ANN = as_user("ann")


@pytest.fixture
async def client() -> AsyncIterator[Any]:
    async with public_client(build_in_memory(authenticator=TokenAuthenticator())) as client:
        yield client


async def test_single_debug_runs_one_step_with_given_upstream_values(client: Any) -> None:
    body = {
        "step": step("5", "@internal/text/join", texts=["{{__1.fields.name}}", "{{__vars.x}}"]),
        "inputs": {"__1.fields.name": "Ann", "__vars.x": 7},
    }
    response = await client.post(f"{API}/dags/single-debug", json=body, headers=ANN)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "success"
    assert result["outputs"] == {"text": "Ann7"}
    again = await client.get(f"{API}/dags/single-debug/result?id={result['id']}", headers=ANN)
    assert again.json() == result


async def test_single_debug_reports_a_failure_and_rejects_unknown_operators(client: Any) -> None:
    failing = {"step": step("2", "@internal/json/parse", text="{nope"), "inputs": {}}
    response = await client.post(f"{API}/dags/single-debug", json=failing, headers=ANN)
    assert response.json()["status"] == "failed"
    assert response.json()["reason"]
    unknown = {"step": step("2", "@internal/nothing"), "inputs": {}}
    refused = await client.post(f"{API}/dags/single-debug", json=unknown, headers=ANN)
    assert refused.status_code == 422
    bad_input = {"step": step("2", "@internal/time/now"), "inputs": {"fields": 1}}
    invalid = await client.post(f"{API}/dags/single-debug", json=bad_input, headers=ANN)
    assert invalid.status_code == 400
    assert "inputs.fields" in invalid.text


async def test_full_debug_runs_an_unsaved_dag_left_out_of_lists(client: Any) -> None:
    document = {
        "title": "draft",
        "steps": [manual(), step("2", "@internal/text/join", texts=["a"])],
    }
    response = await client.post(f"{API}/dags/full-debug", json=document, headers=ANN)
    assert response.status_code == 201, response.text
    run_id = response.json()["id"]
    run = await until(client, run_id)
    assert run["status"] == "success"
    assert run["trigger"] == "debug"
    assert (await tasks_of(client, run_id))["2"]["outputs"] == {"text": "a"}
    invalid = {"title": "draft", "steps": [manual(), step("2", "@internal/nothing")]}
    refused = await client.post(f"{API}/dags/full-debug", json=invalid, headers=ANN)
    assert refused.status_code == 422
