"""Nothing crosses business domains: for every public route that takes an id, a caller of
another domain (even an admin there) gets 404 and changes nothing.

The routes come from the app itself, so a new id route is checked without editing this file;
it only needs a valid body below when it takes one (else it answers 400, named in the failure).
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar

from flowauto.bootstrap import build_in_memory
from flowauto.driver_adapters.http.public.app import create_public_app
from tests.documents import dag_document, manual_trigger
from tests.http_client import API, MAX_BODY, TokenAuthenticator, as_user, public_client

OWNER = {**as_user("ann"), "X-Business-Domain": "sales"}
STRANGER = {**as_user("root", roles="admin"), "X-Business-Domain": "ops"}
# Anonymous routes prove themselves with a secret (webhook signature, callback token), not a
# caller identity; their refusals are tested where they live. `name` is not an object id.
NOT_OBJECT_ROUTES = {f"{API}/webhooks/{{dag_id:str}}", f"{API}/tasks/{{task_id:str}}/results",
                     f"{API}/dags/suggest-name/{{name:str}}"}  # fmt: skip
APPROVAL = {"id": "2", "title": "ok?", "operator": "@workflow/approval",
            "parameters": {"title": "t", "contents": []}}  # fmt: skip
ACTION = {
    "key": "upper", "name": "Upper", "path": "/actions/upper",
    "input_schema": {"type": "object"}, "output_schema": {"type": "object"},
}  # fmt: skip
EXECUTOR = {"key": "echo", "name": "Echo", "base_url": "http://127.0.0.1:9",
            "auth": {"type": "bearer", "secret": "s3cret"}, "actions": [ACTION]}  # fmt: skip
CONNECTION = {"name": "crm", "type": "http", "config": {"base": "https://crm.example"},
              "secrets": {"token": "t0p-s3cret"}}  # fmt: skip


def bodies(dag_id: str) -> dict[tuple[str, str], Any]:
    """A valid body per (method, route) that takes one, so only the domain can refuse it."""
    rule = {"dag_ids": [dag_id], "on": ["failed"],
            "channels": [{"type": "email", "target": "ops@example.com"}]}  # fmt: skip
    return {
        ("PUT", "/dags/{dag_id:str}"): dag_document(steps=[manual_trigger(), APPROVAL]),
        ("POST", "/dags/{dag_id:str}/run"): {},
        ("POST", "/dags/{dag_id:str}/cancel"): {},
        ("POST", "/instances/{run_id:str}/rerun"): {"from_step": "2"},
        ("POST", "/tasks/{task_id:str}/continue"): {"result": "pass"},
        ("POST", "/executors/{executor_id:str}/actions"): {**ACTION, "key": "lower"},
        ("PUT", "/executors/{executor_id:str}/actions/{action_id:str}"): ACTION,
        ("PUT", "/executors/{executor_id:str}"): EXECUTOR,
        ("PUT", "/connections/{connection_id:str}"): CONNECTION,
        ("PUT", "/alarm-rules/{rule_id:str}"): rule,
    }


async def test_every_id_route_answers_404_across_domains() -> None:
    services = build_in_memory(authenticator=TokenAuthenticator())
    routes = id_routes(create_public_app(services, max_body_bytes=MAX_BODY))
    async with public_client(services) as client:
        ids = await seed(client)
        before = await snapshot(client, ids)
        answers = {}
        for method, path in routes:
            body = bodies(ids["dag_id"]).get((method, path.removeprefix(API)))
            url = fill(path, ids)
            answer = await client.request(method, url, headers=STRANGER, json=body)
            answers[f"{method} {path}"] = answer.status_code
        assert {route: status for route, status in answers.items() if status != 404} == {}
        assert await snapshot(client, ids) == before
    assert len(answers) >= 30


def id_routes(app: Litestar) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in app.routes
        if route.path.startswith(API) and "{" in route.path and route.path not in NOT_OBJECT_ROUTES
        for handler in getattr(route, "route_handlers", [])
        for method in handler.http_methods
        if method not in {"HEAD", "OPTIONS"}
    )


async def seed(client: Any) -> dict[str, str]:
    """One of each object in the owner's domain; a run blocked on an approval."""
    dag = await created(client, "/dags", dag_document(steps=[manual_trigger(), APPROVAL]))
    run = await created(client, f"/dags/{dag}/run", {})
    tasks = await until_blocked(client, run)
    versions = (await client.get(f"{API}/dags/{dag}/versions", headers=OWNER)).json()
    executor = await created(client, "/executors", EXECUTOR)
    action = (await client.get(f"{API}/executors/{executor}", headers=OWNER)).json()["actions"][0]
    connection = await created(client, "/connections", CONNECTION)
    rule = await created(client, "/alarm-rules", {"dag_ids": [dag], "on": ["failed"],
                         "channels": [{"type": "email", "target": "a@example.com"}]})  # fmt: skip
    return {
        "dag_id": dag, "run_id": run, "task_id": tasks["2"], "executor_id": executor,
        "action_id": action["id"], "connection_id": connection, "rule_id": rule,
        "version_id": str(versions["versions"][0]["versionId"]),
    }  # fmt: skip


async def created(client: Any, path: str, body: dict[str, Any]) -> str:
    answer = await client.post(f"{API}{path}", json=body, headers=OWNER)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def until_blocked(client: Any, run_id: str) -> dict[str, str]:
    for _ in range(200):
        run = (await client.get(f"{API}/instances/{run_id}", headers=OWNER)).json()
        if run["status"] == "blocked":
            tasks = (await client.get(f"{API}/instances/{run_id}/tasks", headers=OWNER)).json()
            return {task["step_id"]: task["id"] for task in tasks["tasks"]}
        await _pause()
    raise AssertionError("the run never blocked on its approval")


async def _pause() -> None:
    import asyncio

    await asyncio.sleep(0.01)


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+):str\}", lambda match: ids[match.group(1)], path)


async def snapshot(client: Any, ids: dict[str, str]) -> list[Any]:
    """What the owner sees of every object (changes would show here)."""
    reads = [f"/dags/{ids['dag_id']}", f"/dags/{ids['dag_id']}/versions",
             f"/instances/{ids['run_id']}", f"/instances/{ids['run_id']}/tasks",
             f"/executors/{ids['executor_id']}", f"/connections/{ids['connection_id']}",
             f"/alarm-rules/{ids['rule_id']}", "/dags", "/instances"]  # fmt: skip
    return [(await client.get(f"{API}{path}", headers=OWNER)).json() for path in reads]
