"""The real server calling the SDK's example executor over HTTP: sync and async actions and a
secret, end to end; and the cost of one custom action call."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server_process import RunningServer, running_server
from tests.engine import manual, step
from tests.services import free_port, port_open

SECRET = "TOKEN-ABC123"  # upper-case on purpose: `upper` gives it back unchanged


@pytest.fixture
def example_executor() -> Iterator[str]:
    port = free_port()
    script = Path(__file__).parents[2] / "examples" / "echo_executor.py"
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def run_to_end(
    server: RunningServer, *steps: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    body = {"title": f"executor {time.monotonic_ns()}", "steps": [manual(), *steps]}
    dag = httpx.post(f"{server.api}/dags", json=body)
    assert dag.status_code == 201, dag.text
    run_id = httpx.post(f"{server.api}/dags/{dag.json()['id']}/run", json={}).json()["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        run = httpx.get(f"{server.api}/instances/{run_id}").json()
        if run["status"] in ("success", "failed", "canceled"):
            tasks = httpx.get(f"{server.api}/instances/{run_id}/tasks").json()["tasks"]
            return run, {task["key"]: task for task in tasks}
        time.sleep(0.02)
    raise AssertionError("the run did not finish")


def test_sync_and_async_actions_and_a_secret_run_to_success(
    tmp_path: Path, example_executor: str
) -> None:
    env = {"FLOWAUTO_HTTP__ALLOW_HOSTS": "127.0.0.1"}
    with running_server(tmp_path, env) as server:
        document = httpx.get(f"{example_executor}/flowauto-executor.json").json()
        imported = httpx.post(f"{server.api}/executors/import",
                              json={**document, "base_url": example_executor})  # fmt: skip
        assert imported.status_code == 201, imported.text
        connection = {"name": "crm", "type": "generic", "config": {}, "secrets": {"token": SECRET}}
        assert httpx.post(f"{server.api}/connections", json=connection).status_code == 201
        register_combo(server)
        run, tasks = run_to_end(
            server,
            step("2", "@custom/echo/upper", text="{{__secrets.crm.token}}"),
            step("3", "@custom/echo/slow_sum", numbers=[1, 2, 3.5], delay_ms=300),
            step("4", "@combo/shout", word="{{__3.total}}"),
            step("5", "@internal/text/join", texts=["{{__4.outputs.text}}", " ", "{{__2.text}}"]),
        )
        events = httpx.get(f"{server.api}/instances/{run['id']}/events").text
        overhead = per_call_ms(server)
    assert run["status"] == "success", run["reason"]
    assert tasks["3"]["outputs"] == {"total": 6.5}
    assert tasks["5"]["outputs"] == {"text": "6.5! ***"}
    assert tasks["2"]["inputs"] == {"text": "***"}
    assert SECRET not in str(tasks) + events + str(run)
    print(f"\ncustom action call (engine -> example executor -> engine): p50 {overhead:.2f} ms")


def register_combo(server: RunningServer) -> None:
    """`@combo/shout {word}`: a DAG that adds an exclamation mark, as an operator."""
    shout = {"title": "shout", "steps": [
        manual(), step("2", "@internal/text/join", texts=["{{__1.data.word}}", "!"])]}  # fmt: skip
    dag_id = httpx.post(f"{server.api}/dags", json=shout).json()["id"]
    inputs = {"type": "object", "properties": {"word": {}}, "required": ["word"]}
    combo = {"dag_id": dag_id, "key": "shout", "name": "Shout", "inputs": inputs}
    assert httpx.post(f"{server.api}/operators", json=combo).status_code == 201


def per_call_ms(server: RunningServer) -> float:
    """Median over 5 runs of (run duration / 20) for 20 sequential sync calls."""
    calls = [step(str(i), "@custom/echo/upper", text="x") for i in range(2, 22)]
    samples = [run_to_end(server, *calls)[0]["duration_ms"] / 20 for _ in range(5)]
    return float(statistics.median(samples))
