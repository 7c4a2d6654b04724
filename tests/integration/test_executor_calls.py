"""Calling custom actions: the request the engine sends, sync outputs, async callbacks,
input checks at run time, failures, and late callbacks of canceled runs."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from flowauto.bootstrap import build_in_memory
from tests.engine import manual, step
from tests.http_client import API, TokenAuthenticator, as_user, public_client
from tests.integration.test_run_api import tasks_of, until

ANN = as_user("ann")


class Recorded:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []


@pytest.fixture
def executor_server() -> Iterator[tuple[str, Recorded]]:
    """A tiny executor: /upper answers at once, /later accepts (202), /broken fails."""
    recorded = Recorded()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            recorded.requests.append((self.path, dict(self.headers), body))
            status, answer = {
                "/upper": (200, {"text": str(body["inputs"].get("text", "")).upper()}),
                "/later": (202, {"accepted": True}),
            }.get(self.path, (500, {"message": "boom"}))
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", recorded
    server.shutdown()


@pytest.fixture
async def client(executor_server: tuple[str, Recorded]) -> AsyncIterator[Any]:
    base_url, _ = executor_server
    async with public_client(build_in_memory(authenticator=TokenAuthenticator())) as client:
        text_schema = {"type": "object", "required": ["text"],
                       "properties": {"text": {"type": "string", "maxLength": 10}}}  # fmt: skip
        document = {
            "key": "echo", "name": "Echo", "base_url": base_url,
            "auth": {"type": "bearer", "secret": "exec-secret"},
            "actions": [
                {"key": "upper", "name": "Upper", "path": "/upper", "input_schema": text_schema},
                {"key": "later", "name": "Later", "path": "/later", "mode": "async"},
                {"key": "broken", "name": "Broken", "path": "/broken"},
            ],
        }  # fmt: skip
        assert (
            await client.post(f"{API}/executors", json=document, headers=ANN)
        ).status_code == 201
        yield client


async def run_dag(client: Any, *steps: dict[str, Any], wanted: str = "") -> dict[str, Any]:
    body = {"title": f"calls {id(steps)}", "steps": [manual(), *steps]}
    dag_id = (await client.post(f"{API}/dags", json=body, headers=ANN)).json()["id"]
    run_id = (await client.post(f"{API}/dags/{dag_id}/run", json={}, headers=ANN)).json()["id"]
    return await until(client, run_id, *([wanted] if wanted else []))


async def test_a_sync_action_gets_the_protocol_request_and_its_outputs_flow_on(
    client: Any, executor_server: tuple[str, Recorded]
) -> None:
    run = await run_dag(
        client, step("2", "@custom/echo/upper", text="hello"),
        step("3", "@internal/text/join", texts=["{{__2.text}}", "!"]),
    )  # fmt: skip
    assert run["status"] == "success", run["reason"]
    assert (await tasks_of(client, run["id"]))["3"]["outputs"] == {"text": "HELLO!"}
    path, headers, body = executor_server[1].requests[-1]
    assert path == "/upper"
    assert headers["Authorization"] == "Bearer exec-secret"
    assert body["run_id"] == run["id"]
    assert body["inputs"] == {"text": "hello"}
    assert body["callback_url"].endswith(f"/tasks/{body['task_id']}/results")
    assert body["callback_token"]


async def test_resolved_inputs_are_checked_against_the_schema_at_run_time(client: Any) -> None:
    run = await run_dag(client, step("2", "@custom/echo/upper", text="far too long a text"))
    assert run["status"] == "failed"
    assert "text" in run["reason"]
    assert "too long" in run["reason"]


async def test_an_async_action_waits_for_its_callback(
    client: Any, executor_server: tuple[str, Recorded]
) -> None:
    run = await run_dag(client, step("2", "@custom/echo/later"), wanted="blocked")
    _, _, body = executor_server[1].requests[-1]
    answer = {"status": "success", "outputs": {"done": True}}
    auth = {"Authorization": f"Bearer {body['callback_token']}"}
    response = await client.put(body["callback_url"].split("testserver.local")[1], json=answer,
                                headers=auth)  # fmt: skip
    assert response.status_code == 202
    assert (await until(client, run["id"]))["status"] == "success"


async def test_a_late_callback_never_revives_a_canceled_task(
    client: Any, executor_server: tuple[str, Recorded]
) -> None:
    run = await run_dag(client, step("2", "@custom/echo/later"), wanted="blocked")
    await client.post(f"{API}/instances/{run['id']}/cancel", headers=ANN)
    _, _, body = executor_server[1].requests[-1]
    late = await client.put(
        body["callback_url"].split("testserver.local")[1], json={"status": "success"},
        headers={"Authorization": f"Bearer {body['callback_token']}"},
    )  # fmt: skip
    assert late.status_code == 409
    assert (await until(client, run["id"]))["status"] == "canceled"


async def test_an_executor_error_fails_the_step_after_retries(client: Any) -> None:
    run = await run_dag(client, step("2", "@custom/echo/broken"))
    assert run["status"] == "failed"
    assert "500" in run["reason"]
