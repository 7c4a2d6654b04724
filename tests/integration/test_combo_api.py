"""Combo operators through the public app: registration, catalog, recursion refused."""

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
    services = build_in_memory(authenticator=TokenAuthenticator())
    assert services.engine is not None
    await services.engine.start()  # child runs are claimed by the engine's loop
    try:
        async with public_client(services) as client:
            yield client
    finally:
        await services.engine.stop(1)


async def dag(client: Any, title: str, *steps: dict[str, Any]) -> str:
    body = {"title": title, "steps": [manual(), *steps]}
    response = await client.post(f"{API}/dags", json=body, headers=ANN)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_registered_combo_runs_its_dag_as_a_child_run(client: Any) -> None:
    join = step("2", "@internal/text/join", texts=["{{__1.data.x}}", "{{__1.data.x}}"])
    inner = await dag(client, "double", join)
    combo = {
        "dag_id": inner,
        "key": "double",
        "inputs": {"properties": {"x": {}}, "required": ["x"]},
    }
    assert (await client.post(f"{API}/operators", json=combo, headers=ANN)).status_code == 201
    again = await client.post(f"{API}/operators", json=combo, headers=ANN)
    assert again.status_code == 409
    catalog = (await client.get(f"{API}/actions", headers=ANN)).json()["actions"]
    assert any(entry["name"] == "@combo/double" for entry in catalog)
    outer = await dag(client, "uses double", step("2", "@combo/double", x="ab"))
    run_id = (await client.post(f"{API}/dags/{outer}/run", json={}, headers=ANN)).json()["id"]
    assert (await until(client, run_id))["status"] == "success"
    assert (await tasks_of(client, run_id))["2"]["outputs"]["outputs"] == {"text": "abab"}
    no_x = {"title": "no x", "steps": [manual(), step("2", "@combo/double")]}
    missing = await client.post(f"{API}/dags", headers=ANN, json=no_x)
    assert missing.status_code == 422


async def test_a_combo_may_not_run_itself_and_needs_a_readable_dag(client: Any) -> None:
    looped = await dag(client, "loops", step("2", "@internal/time/now"))
    combo = {"dag_id": looped, "key": "loops"}
    assert (await client.post(f"{API}/operators", json=combo, headers=ANN)).status_code == 201
    selfish = await dag(client, "selfish", step("2", "@combo/loops"))
    refused = await client.post(f"{API}/operators", json={"dag_id": selfish, "key": "selfish2"},
                                headers=ANN)  # fmt: skip
    assert refused.status_code == 201  # uses another combo: fine
    recursive = await client.put(f"{API}/dags/{looped}", headers=ANN,
                                 json={"steps": [manual(), step("2", "@combo/loops")]})  # fmt: skip
    run_id = (await client.post(f"{API}/dags/{looped}/run", json={}, headers=ANN)).json()["id"]
    assert recursive.status_code == 204
    run = await until(client, run_id)
    assert run["status"] == "failed"
    assert "cycle" in run["reason"]
    unknown = await client.post(f"{API}/operators", json={"dag_id": "404", "key": "x"}, headers=ANN)
    assert unknown.status_code == 404
