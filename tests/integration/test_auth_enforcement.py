"""Every public route refuses a missing, forged or expired token (auth mode `hydra`).

The routes are read from the app's own OpenAPI document, so a route added later is checked
without touching this test. Health and metrics live on the private port, which trusts the
cluster network (SPEC section 8); the public port has no route exempt from the check.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from flowauto.bootstrap import build_in_memory
from flowauto.domain.operator_catalog import OperatorKind, OperatorSpec
from flowauto.driven_adapters.hydra.authenticator import HydraAuthenticator
from flowauto.driven_adapters.in_memory.token_cache import InMemoryTokenCache
from flowauto.driven_adapters.system_clock import SystemClock
from tests.backends.hydra import MockHydra
from tests.engine import manual, step
from tests.http_client import API, public_client
from tests.integration.test_task_callback import AnswerLater

METHODS = {"get", "post", "put", "patch", "delete"}
UNKNOWN_ID = "913599855622881281"
LATER = "@custom/test/later"
WEBHOOK = {"id": "1", "operator": "@trigger/webhook", "parameters": {}}
BODIES = {("PUT", f"{API}/tasks/{{task_id}}/results"): {"status": "success", "outputs": {}}}


@pytest.fixture
async def client(mock_hydra: MockHydra) -> AsyncIterator[Any]:
    clock = SystemClock()
    auth = HydraAuthenticator(
        admin_url=mock_hydra.url, cache=InMemoryTokenCache(clock), clock=clock
    )
    spec = OperatorSpec(name=LATER, kind=OperatorKind.ACTION, title="Answers later")
    services = build_in_memory(authenticator=auth, custom=(AnswerLater(), [spec]))
    # Not closed here: the test client serves the app on a loop of its own, so the
    # authenticator's connections belong to that loop and end with it.
    async with public_client(services) as client:
        yield client


async def test_every_route_refuses_bad_tokens(client: Any, mock_hydra: MockHydra) -> None:
    routes = await documented_routes(client)
    ids = await anonymous_route_objects(client, mock_hydra)
    credentials = {
        "missing": {},
        "forged": {"Authorization": "Bearer forged-0123456789"},
        "expired": {"Authorization": f"Bearer {mock_hydra.mint('ann', ttl=0)}"},
    }
    admitted = []
    for method, path in routes:
        for name, headers in credentials.items():
            body = BODIES.get((method, path), {})
            url = concrete(path, ids)
            answer = await client.request(method, url, headers=headers, json=body)
            if (
                answer.status_code != 401
                or answer.json()["code"].split(".")[0] != "unauthenticated"
            ):
                admitted.append(f"{method} {path} ({name}): {answer.status_code}")
    assert admitted == []
    print(f"routes checked: {len(routes)} / {len(routes)} documented")
    assert len(routes) >= 50


async def test_a_valid_token_gets_through(client: Any, mock_hydra: MockHydra) -> None:
    token = mock_hydra.mint("ann", {"roles": ["admin"]})
    answer = await client.get(f"{API}/dags", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200


async def documented_routes(client: Any) -> list[tuple[str, str]]:
    document = (await client.get("/schema/openapi.json")).json()
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in METHODS
    )


def concrete(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda match: ids.get(match.group(1), UNKNOWN_ID), path)


async def anonymous_route_objects(client: Any, mock_hydra: MockHydra) -> dict[str, str]:
    """Routes that prove themselves by a secret rather than a user need real objects, or a
    404 would hide whether the secret is checked: a webhook DAG and a task awaiting its
    callback."""
    owner = {"Authorization": f"Bearer {mock_hydra.mint('owner')}"}
    hook = {"title": "hook", "steps": [WEBHOOK, step("2", "@internal/text/join", texts=["x"])]}
    webhook_dag = (await client.post(f"{API}/dags", json=hook, headers=owner)).json()["id"]
    later = {"title": "later", "steps": [manual(), step("2", LATER)]}
    dag_id = (await client.post(f"{API}/dags", json=later, headers=owner)).json()["id"]
    run_id = (await client.post(f"{API}/dags/{dag_id}/run", json={}, headers=owner)).json()["id"]
    for _ in range(200):
        tasks = (await client.get(f"{API}/instances/{run_id}/tasks", headers=owner)).json()
        waiting = [task for task in tasks["tasks"] if task["status"] == "blocked"]
        if waiting:
            return {"dag_id": webhook_dag, "task_id": waiting[0]["id"]}
        await asyncio.sleep(0.01)
    raise AssertionError("the run never waited for its callback")
