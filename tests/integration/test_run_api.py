"""The run routes through Litestar's test client, on the in-memory wiring."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from flowauto.application.services import Services
from flowauto.bootstrap import build_in_memory
from flowauto.driven_adapters.http.address_guard import AddressGuard
from flowauto.driven_adapters.http.httpx_http_requester import HttpxHttpRequester
from flowauto.driven_adapters.notify.alarm_notifier import HttpSmtpAlarmNotifier
from tests.engine import manual, step
from tests.http_client import API, TokenAuthenticator, as_user, public_client
from tests.local_http import LocalHttp, local_http_server

ANN = as_user("ann")
Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture
def local_http() -> Iterator[LocalHttp]:
    with local_http_server() as server:
        yield server


@pytest.fixture
def services() -> Services:
    http = HttpxHttpRequester(httpx.AsyncClient(), AddressGuard(["127.0.0.1"]))
    return build_in_memory(authenticator=TokenAuthenticator(), http=http)


@pytest.fixture
async def client(services: Services) -> AsyncIterator[Any]:
    async with public_client(services) as client:
        yield client


async def create(client: Any, *steps: dict[str, Any], **fields: Any) -> str:
    body = {"title": f"runs {id(steps)}", "steps": [manual(), *steps], **fields}
    response = await client.post(f"{API}/dags", json=body, headers=ANN)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def start(client: Any, dag_id: str, **body: Any) -> str:
    response = await client.post(f"{API}/dags/{dag_id}/run", json=body, headers=ANN)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def until(client: Any, run_id: str, *statuses: str) -> dict[str, Any]:
    wanted = set(statuses) or {"success", "failed", "canceled"}
    async with asyncio.timeout(10):
        while True:
            run: dict[str, Any] = (
                await client.get(f"{API}/instances/{run_id}", headers=ANN)
            ).json()
            if run["status"] in wanted:
                return run
            await asyncio.sleep(0.01)


async def tasks_of(client: Any, run_id: str, status: str = "") -> dict[str, dict[str, Any]]:
    query = f"?status={status}" if status else ""
    response = await client.get(f"{API}/instances/{run_id}/tasks{query}", headers=ANN)
    return {task["key"]: task for task in response.json()["tasks"]}


async def test_a_started_run_succeeds_and_lists_its_tasks(client: Any) -> None:
    dag_id = await create(client, step("2", "@internal/text/join", texts=["a", "b"]))
    response = await client.post(f"{API}/dags/{dag_id}/run", json={}, headers=ANN)
    assert response.headers["Location"] == f"{API}/instances/{response.json()['id']}"
    run = await until(client, response.json()["id"])
    assert run["status"] == "success"
    assert run["dagId"] == dag_id
    tasks = await tasks_of(client, run["id"])
    assert tasks["2"]["outputs"] == {"text": "ab"}
    assert tasks["1"]["outputs"]["accessor"]["id"] == "ann"


async def test_a_form_run_needs_valid_fields(client: Any) -> None:
    form = {"id": "1", "operator": "@trigger/form", "parameters": {"fields": [
        {"key": "amount", "name": "Amount", "type": "number", "required": True}]}}  # fmt: skip
    body = {"title": "form run", "steps": [form, step("2", "@internal/time/now")]}
    dag_id = (await client.post(f"{API}/dags", json=body, headers=ANN)).json()["id"]
    bad = await client.post(f"{API}/dags/{dag_id}/run", json={"data": {"amount": "x"}}, headers=ANN)
    assert bad.status_code == 400
    assert bad.json()["detail"]["field"] == "data.amount"
    missing = await client.post(f"{API}/dags/{dag_id}/run", json={"data": {}}, headers=ANN)
    assert missing.status_code == 400
    run_id = await start(client, dag_id, data={"amount": 12})
    assert (await until(client, run_id))["status"] == "success"
    assert (await tasks_of(client, run_id))["1"]["outputs"]["fields"] == {"amount": 12}


async def test_an_idempotency_key_gives_the_same_run(client: Any) -> None:
    dag_id = await create(client, step("2", "@internal/time/now"))
    headers = {**ANN, "Idempotency-Key": "order-17"}
    first = await client.post(f"{API}/dags/{dag_id}/run", json={}, headers=headers)
    second = await client.post(f"{API}/dags/{dag_id}/run", json={}, headers=headers)
    assert first.json()["id"] == second.json()["id"]
    listed = await client.get(f"{API}/dags/{dag_id}/instances", headers=ANN)
    assert listed.json()["total"] == 1


async def test_the_instance_list_filters_by_status_and_rejects_unknown_ones(client: Any) -> None:
    dag_id = await create(client, step("2", "@internal/json/parse", text="{{__vars.doc}}"),
                          vars={"doc": {"defaultValue": "{}"}})  # fmt: skip
    good = await start(client, dag_id)
    bad = await start(client, dag_id, vars={"doc": "{broken"})
    await until(client, good)
    await until(client, bad)
    failed = await client.get(f"{API}/dags/{dag_id}/instances?status=failed", headers=ANN)
    assert [run["id"] for run in failed.json()["instances"]] == [bad]
    wrong = await client.get(f"{API}/dags/{dag_id}/instances?status=done", headers=ANN)
    assert wrong.status_code == 400
    assert "status" in wrong.text
    counts = await client.get(f"{API}/dags/{dag_id}/count", headers=ANN)
    assert counts.json() == {"success": 1, "failed": 1}


async def test_an_approval_continues_through_the_api(client: Any) -> None:
    dag_id = await create(
        client,
        step("2", "@workflow/approval", title="Pay?", contents=[]),
        step("3", "@internal/text/join", texts=["{{__2.result}}"]),
    )
    run_id = await start(client, dag_id)
    await until(client, run_id, "blocked")
    approval = (await tasks_of(client, run_id, "blocked"))["2"]
    url = f"{API}/tasks/{approval['id']}/continue"
    wrong = await client.post(url, json={"result": "maybe"}, headers=ANN)
    assert wrong.status_code == 400
    done = await client.post(url, json={"result": "reject"}, headers=ANN)
    assert done.status_code == 202
    assert (await until(client, run_id))["status"] == "success"
    assert (await tasks_of(client, run_id))["3"]["outputs"] == {"text": "reject"}
    again = await client.post(url, json={"result": "pass"}, headers=ANN)
    assert again.status_code == 409


async def test_pause_resume_and_cancel_of_a_blocked_run(client: Any) -> None:
    dag_id = await create(client, step("2", "@workflow/approval", title="t", contents=[]))
    run_id = await start(client, dag_id)
    await until(client, run_id, "blocked")
    paused = await client.post(f"{API}/instances/{run_id}/pause", headers=ANN)
    assert paused.json() == {"id": run_id, "status": "paused"}
    resumed = await client.post(f"{API}/instances/{run_id}/resume", headers=ANN)
    assert resumed.status_code == 202
    await until(client, run_id, "blocked")
    twice = await client.post(f"{API}/instances/{run_id}/resume", headers=ANN)
    assert twice.status_code == 409
    canceled = await client.post(f"{API}/instances/{run_id}/cancel", headers=ANN)
    assert canceled.json()["status"] == "canceled"
    assert (await tasks_of(client, run_id))["2"]["status"] == "canceled"


async def test_events_stream_in_order_and_resume_after_the_last_seen(client: Any) -> None:
    dag_id = await create(client, step("2", "@internal/time/now"), step("3", "@internal/time/now"))
    run_id = await start(client, dag_id)
    await until(client, run_id)
    stream = await client.get(f"{API}/instances/{run_id}/events", headers=ANN)
    assert stream.headers["content-type"].startswith("text/event-stream")
    ids = [int(line[3:]) for line in stream.text.splitlines() if line.startswith("id:")]
    assert ids == list(range(1, len(ids) + 1))
    assert "event: run.status" in stream.text
    assert '"status":"success"' in stream.text.splitlines()[-3] + stream.text
    resumed = await client.get(
        f"{API}/instances/{run_id}/events", headers={**ANN, "Last-Event-ID": str(ids[-3])}
    )
    again = [int(line[3:]) for line in resumed.text.splitlines() if line.startswith("id:")]
    assert again == ids[-2:]


async def test_an_http_step_reaches_an_allow_listed_server(
    client: Any, local_http: LocalHttp
) -> None:
    request = step("2", "@internal/http/request", method="POST", url=f"{local_http.url}/hook",
                   body={"n": 1})  # fmt: skip
    run_id = await start(client, await create(client, request))
    assert (await until(client, run_id))["status"] == "success"
    outputs = (await tasks_of(client, run_id))["2"]["outputs"]
    assert outputs["status"] == 200
    assert outputs["body"] == {"path": "/hook", "method": "POST", "body": '{"n": 1}'}


@pytest.mark.parametrize(
    "url", ["http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data", "http://[::1]:9/"]
)
async def test_an_http_step_to_a_private_address_is_refused(url: str) -> None:
    services = build_in_memory(authenticator=TokenAuthenticator())  # nothing allow-listed
    async with public_client(services) as client:
        run_id = await start(client, await create(client, step("2", "@internal/http/request",
                                                               method="GET", url=url)))  # fmt: skip
        run = await until(client, run_id)
    assert run["status"] == "failed"
    assert "private address" in run["reason"]


async def test_a_redirect_to_a_private_address_is_refused(local_http: LocalHttp) -> None:
    # The loopback server is allowed by name only for the first hop: 127.0.0.1 is allow-listed
    # as a host, the redirect goes to a metadata address that is not.
    http = HttpxHttpRequester(httpx.AsyncClient(), AddressGuard(["127.0.0.1"]))
    services = build_in_memory(authenticator=TokenAuthenticator(), http=http)
    target = "http://169.254.169.254/latest"
    async with public_client(services) as client:
        request = step("2", "@internal/http/request", method="GET",
                       url=f"{local_http.url}/redirect?to={target}")  # fmt: skip
        run = await until(client, await start(client, await create(client, request)))
    assert run["status"] == "failed"
    assert "169.254.169.254" in run["reason"]


async def test_cancel_during_an_http_step_aborts_the_request(
    client: Any, local_http: LocalHttp
) -> None:
    slow = step(
        "2", "@internal/http/request", method="GET", url=f"{local_http.url}/slow?sleep_ms=3000"
    )
    run_id = await start(client, await create(client, slow))
    async with asyncio.timeout(5):
        while local_http.calls["/slow"] == 0:  # noqa: ASYNC110 (another thread counts)
            await asyncio.sleep(0.01)
    await client.post(f"{API}/instances/{run_id}/cancel", headers=ANN)
    run = await until(client, run_id)
    assert run["status"] == "canceled"
    assert (await tasks_of(client, run_id))["2"]["status"] == "canceled"
    await asyncio.sleep(0.2)
    assert local_http.finished["/slow"] == 0  # the server is still sleeping: we hung up


async def test_rerun_from_a_step_copies_earlier_outputs(client: Any) -> None:
    dag_id = await create(
        client, step("2", "@internal/time/now"), step("3", "@internal/text/join", texts=["x"])
    )
    first = await start(client, dag_id)
    await until(client, first)
    response = await client.post(
        f"{API}/instances/{first}/rerun", json={"from_step": "3"}, headers=ANN
    )
    assert response.status_code == 201
    second = response.json()["id"]
    assert (await until(client, second))["status"] == "success"
    before, after = await tasks_of(client, first), await tasks_of(client, second)
    assert after["2"]["outputs"] == before["2"]["outputs"]
    bad = await client.post(f"{API}/instances/{first}/rerun", json={"from_step": "9"}, headers=ANN)
    assert bad.status_code == 400


async def test_a_failing_http_step_is_retried_with_backoff_then_succeeds(
    client: Any, local_http: LocalHttp
) -> None:
    # The first two calls answer 500 (status query), so the step fails twice, then succeeds.
    request = step("2", "@internal/http/request", method="GET", url=f"{local_http.url}/flaky")
    request["retry"] = {"max_attempts": 3, "backoff_ms": 10, "max_backoff_ms": 20}
    local_http.fail_first["/flaky"] = 2
    run_id = await start(client, await create(client, request))
    assert (await until(client, run_id))["status"] == "success"
    task = (await tasks_of(client, run_id))["2"]
    assert task["attempt"] == 3
    assert local_http.calls["/flaky"] == 3
    stream = (await client.get(f"{API}/instances/{run_id}/events", headers=ANN)).text
    assert stream.count("event: task.log") == 2
    assert "attempt 1 failed" in stream


async def test_a_step_over_its_timeout_fails_with_the_reason(
    client: Any, local_http: LocalHttp
) -> None:
    slow = step(
        "2", "@internal/http/request", method="GET", url=f"{local_http.url}/s?sleep_ms=2000"
    )
    slow["timeout_ms"] = 100
    run = await until(client, await start(client, await create(client, slow)))
    assert run["status"] == "failed"
    assert "timed out after 100 ms" in run["reason"]


async def test_pause_lets_the_running_step_finish_and_starts_nothing_new(
    client: Any, local_http: LocalHttp
) -> None:
    first = step(
        "2", "@internal/http/request", method="GET", url=f"{local_http.url}/a?sleep_ms=300"
    )
    second = step("3", "@internal/http/request", method="GET", url=f"{local_http.url}/b")
    run_id = await start(client, await create(client, first, second))
    async with asyncio.timeout(5):
        while local_http.calls["/a"] == 0:  # noqa: ASYNC110 (another thread counts)
            await asyncio.sleep(0.01)
    paused = await client.post(f"{API}/instances/{run_id}/pause", headers=ANN)
    assert paused.json()["status"] == "paused"
    await asyncio.sleep(0.6)  # the first step ends meanwhile
    tasks = await tasks_of(client, run_id)
    assert tasks["2"]["status"] == "success"
    assert local_http.calls["/b"] == 0
    assert (await until(client, run_id, "paused"))["status"] == "paused"
    await client.post(f"{API}/instances/{run_id}/resume", headers=ANN)
    assert (await until(client, run_id))["status"] == "success"
    assert local_http.calls["/b"] == 1
    assert local_http.calls["/a"] == 1


async def test_a_stopped_dag_starts_no_run_and_deleting_a_dag_cancels_its_runs(
    client: Any,
) -> None:
    dag_id = await create(client, step("2", "@workflow/approval", title="t", contents=[]))
    run_id = await start(client, dag_id)
    await until(client, run_id, "blocked")
    await client.put(f"{API}/dags/{dag_id}", json={"status": "stopped"}, headers=ANN)
    refused = await client.post(f"{API}/dags/{dag_id}/run", json={}, headers=ANN)
    assert refused.status_code == 409
    deleted = await client.delete(f"{API}/dags/{dag_id}", headers=ANN)
    assert deleted.status_code == 204
    assert (await until(client, run_id))["status"] == "canceled"


async def test_secrets_reach_the_call_but_never_inputs_outputs_events_or_reasons(
    client: Any, local_http: LocalHttp
) -> None:
    secret = "tok-9f8e7d"
    connection = {"name": "crm", "type": "http", "config": {}, "secrets": {"token": secret}}
    created = await client.post(f"{API}/connections", json=connection, headers=ANN)
    assert created.status_code == 201, created.text
    call = step("2", "@internal/http/request", method="POST", url=f"{local_http.url}/crm",
                headers={"Authorization": "Bearer {{__secrets.crm.token}}"},
                body={"echo": "{{__secrets.crm.token}}"})  # fmt: skip
    leak = step("3", "@internal/text/join", texts=["{{__2.body.body}}"])
    broken = step("4", "@internal/json/parse", text="{{{__secrets.crm.token}}")
    run_id = await start(client, await create(client, call, leak, broken))
    run = await until(client, run_id)
    assert run["status"] == "failed"
    tasks = await tasks_of(client, run_id)
    events = (await client.get(f"{API}/instances/{run_id}/events", headers=ANN)).text
    shown = json.dumps([run, tasks]) + events
    assert secret not in shown
    assert "***" in json.dumps(tasks["2"]["inputs"])
    assert local_http.calls["/crm"] == 1
    read = await client.get(f"{API}/connections/{created.json()['id']}", headers=ANN)
    assert secret not in read.text


async def test_an_alarm_rule_posts_a_webhook_when_a_run_fails(local_http: LocalHttp) -> None:
    notifier = HttpSmtpAlarmNotifier(
        httpx.AsyncClient(), AddressGuard(["127.0.0.1"]), "127.0.0.1", 1, "flowauto@localhost"
    )
    services = build_in_memory(authenticator=TokenAuthenticator(), alarm_notifier=notifier)
    async with public_client(services) as client:
        dag_id = await create(client, step("2", "@internal/json/parse", text="{broken"))
        rule = {"dag_ids": [dag_id], "on": ["failed"],
                "channels": [{"type": "webhook", "target": f"{local_http.url}/alarm"}]}  # fmt: skip
        created = await client.post(f"{API}/alarm-rules", json=rule, headers=ANN)
        assert created.status_code == 201, created.text
        run = await until(client, await start(client, dag_id))
        async with asyncio.timeout(5):
            while local_http.calls["/alarm"] == 0:  # noqa: ASYNC110 (another thread counts)
                await asyncio.sleep(0.02)
    assert run["status"] == "failed"
    assert local_http.calls["/alarm"] == 1
