"""flowauto.sdk executors over HTTP: sync answers, 400/401/500 errors, the executor document,
and async actions reporting to a real callback receiver on loopback."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import httpx
import pytest
from pydantic import BaseModel

from examples.echo_executor import Numbers, Text, Total, upper
from examples.echo_executor import app as echo_app
from flowauto.sdk import Executor, sign

SECRET = "s3cret-executor-key"


class Word(BaseModel):
    word: str


@dataclass
class Put:
    path: str
    authorization: str
    body: dict[str, Any]


@dataclass
class Receiver:
    """Stands in for the server's `PUT /tasks/{id}/results`."""

    url: str
    puts: queue.Queue[Put] = field(default_factory=queue.Queue)
    statuses: list[int] = field(default_factory=list)  # for the next PUTs; then 202

    async def next_put(self, timeout_s: float = 5.0) -> Put:
        return await asyncio.to_thread(self.puts.get, timeout=timeout_s)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")  # the URL waits for the port

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            return

        def do_PUT(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            status = state.statuses.pop(0) if state.statuses else 202
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            state.puts.put(Put(self.path, self.headers.get("Authorization", ""), body))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://executor")


@pytest.fixture
async def echo() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(echo_app) as client:
        yield client


def call(inputs: dict[str, Any], callback_url: str = "", token: str = "") -> dict[str, Any]:
    return {"run_id": "r1", "task_id": "t1", "inputs": inputs,
            "callback_url": callback_url, "callback_token": token}  # fmt: skip


# A second executor with async actions that fail, and a quick retry, for the callback tests.
flaky = Executor("flaky", "Flaky", callback_attempts=3, callback_backoff_s=0.01)


@flaky.action(key="boom", name="Boom", mode="async")
async def boom(inputs: Word) -> Word:
    raise ValueError(f"no {inputs.word}")


@flaky.action(key="shout", name="Shout", mode="async", path="/custom/shout")
async def shout(inputs: Word) -> Word:
    return Word(word=inputs.word.upper())


@flaky.action(key="nap", name="Nap", timeout_ms=50)
async def nap(inputs: Word) -> Word:
    await asyncio.sleep(5)
    return inputs


@pytest.fixture
async def flaky_client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(flaky.asgi()) as client:
        yield client


async def test_a_sync_action_answers_its_outputs(echo: httpx.AsyncClient) -> None:
    response = await echo.post("/actions/upper", json=call({"text": "hello"}))
    assert response.status_code == 200, response.text
    assert response.json() == {"text": "HELLO"}


@pytest.mark.parametrize(
    ("path", "inputs", "field"),
    [
        ("/actions/upper", {}, "text"),
        ("/actions/upper", {"text": ["not", "text"]}, "text"),
        ("/actions/slow_sum", {"numbers": [1, "two"]}, "numbers.1"),
        ("/actions/slow_sum", {"numbers": [1], "delay_ms": -5}, "delay_ms"),
    ],
)
async def test_inputs_that_fail_the_model_answer_400_naming_the_field(
    echo: httpx.AsyncClient, path: str, inputs: dict[str, Any], field: str
) -> None:
    response = await echo.post(path, json=call(inputs, "http://127.0.0.1:9/cb", "tok"))
    body = response.json()
    assert response.status_code == 400
    assert (body["code"], body["detail"]) == ("invalid", {"field": field})
    assert field in body["message"]


async def test_a_body_that_is_not_a_call_answers_400(echo: httpx.AsyncClient) -> None:
    garbage = await echo.post("/actions/upper", content=b"{not json")
    assert (garbage.status_code, garbage.json()["detail"]) == (400, {"field": "body"})
    listed = await echo.post("/actions/upper", json={"inputs": [1, 2]})
    assert (listed.status_code, listed.json()["detail"]) == (400, {"field": "inputs"})


async def test_a_raising_action_answers_500_with_the_exception(echo: httpx.AsyncClient) -> None:
    response = await echo.post("/actions/fail", json=call({}))
    assert response.status_code == 500
    assert response.json() == {
        "code": "failed", "message": "RuntimeError: this action always fails", "detail": {}
    }  # fmt: skip


async def test_an_action_over_its_timeout_fails_with_500(flaky_client: httpx.AsyncClient) -> None:
    response = await flaky_client.post("/actions/nap", json=call({"word": "zz"}))
    assert response.status_code == 500
    assert response.json()["message"] == "TimeoutError: the action took over 50 ms"


async def test_the_document_describes_every_action(echo: httpx.AsyncClient) -> None:
    document = (await echo.get("/flowauto-executor.json")).json()
    assert {k: v for k, v in document.items() if k != "actions"} == {
        "key": "echo", "name": "Echo", "description": "Example actions for trying executors out.",
        "base_url": "", "auth": {"type": "none"},
    }  # fmt: skip
    actions = {one["key"]: one for one in document["actions"]}
    assert set(actions) == {"upper", "slow_sum", "fail"}
    assert actions["slow_sum"] == {
        "key": "slow_sum", "name": "Slow sum",
        "description": "Adds the numbers after waiting `delay_ms`, standing in for long work.",
        "path": "/actions/slow_sum", "method": "POST",
        "input_schema": Numbers.model_json_schema(), "output_schema": Total.model_json_schema(),
        "mode": "async", "timeout_ms": 60000,
    }  # fmt: skip
    assert actions["upper"]["mode"] == "sync"
    assert actions["upper"]["input_schema"]["required"] == ["text"]


def secured(auth: Literal["bearer", "hmac"]) -> httpx.AsyncClient:
    executor = Executor("sec", "Secured", auth=auth, secret=SECRET)
    executor.include(upper)
    return client_for(executor.asgi())


async def test_the_document_never_shows_the_secret() -> None:
    async with secured("hmac") as client:
        response = await client.get("/flowauto-executor.json")
    assert response.json()["auth"] == {"type": "hmac"}
    assert SECRET not in response.text


@pytest.mark.parametrize(
    ("authorization", "status"),
    [(None, 401), ("Bearer wrong", 401), (SECRET, 401), (f"Basic {SECRET}", 401),
     (f"Bearer {SECRET}", 200)],
)  # fmt: skip
async def test_bearer_auth_accepts_only_the_secret(authorization: str | None, status: int) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with secured("bearer") as client:
        response = await client.post("/actions/upper", json=call({"text": "a"}), headers=headers)
    expected = {"text": "A"} if status == 200 else {"code": "unauthenticated"}
    assert response.status_code == status
    assert expected.items() <= response.json().items()


@pytest.fixture
async def hmac_client() -> AsyncIterator[httpx.AsyncClient]:
    async with secured("hmac") as client:
        yield client


def signed(body: bytes, *, age_s: int = 0, secret: str = SECRET) -> dict[str, str]:
    timestamp = int(time.time()) - age_s
    return {"X-Flowauto-Timestamp": str(timestamp),
            "X-Flowauto-Signature": sign(secret, timestamp, body)}  # fmt: skip


async def test_hmac_auth_accepts_a_fresh_signature(hmac_client: httpx.AsyncClient) -> None:
    body = json.dumps(call({"text": "signed"})).encode()
    headers = {"Content-Type": "application/json", **signed(body, age_s=60)}
    response = await hmac_client.post("/actions/upper", content=body, headers=headers)
    assert (response.status_code, response.json()) == (200, {"text": "SIGNED"})


@pytest.mark.parametrize(
    "headers",
    [
        {},
        signed(b"another body"),
        signed(json.dumps(call({"text": "a"})).encode(), secret="not the secret"),
        signed(json.dumps(call({"text": "a"})).encode(), age_s=301),
        {"X-Flowauto-Timestamp": "soon", "X-Flowauto-Signature": "sha256=00"},
    ],
    ids=["unsigned", "other-body", "other-secret", "stale", "bad-timestamp"],
)
async def test_hmac_auth_refuses_bad_proof(
    hmac_client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    body = json.dumps(call({"text": "a"})).encode()
    response = await hmac_client.post("/actions/upper", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


async def test_an_async_action_answers_202_then_puts_its_outputs(
    echo: httpx.AsyncClient, receiver: Receiver
) -> None:
    url = f"{receiver.url}/api/automation/v1/tasks/t1/results"
    inputs = {"numbers": [1, 2, 3.5], "delay_ms": 20}
    response = await echo.post("/actions/slow_sum", json=call(inputs, url, "task-token"))
    assert (response.status_code, response.json()) == (202, {"accepted": True})
    success = {"status": "success", "outputs": {"total": 6.5}}
    assert await receiver.next_put() == Put("/api/automation/v1/tasks/t1/results",
                                            "Bearer task-token", success)  # fmt: skip


async def test_an_async_action_that_raises_reports_failed(
    flaky_client: httpx.AsyncClient, receiver: Receiver
) -> None:
    body = call({"word": "way"}, f"{receiver.url}/cb", "tok")
    response = await flaky_client.post("/actions/boom", json=body)
    assert response.status_code == 202
    failed = {"status": "failed", "reason": "ValueError: no way"}
    assert await receiver.next_put() == Put("/cb", "Bearer tok", failed)


async def test_the_callback_is_retried_on_5xx_but_not_on_409(
    flaky_client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.statuses = [503, 409]
    body = call({"word": "hey"}, f"{receiver.url}/cb", "tok")
    response = await flaky_client.post("/custom/shout", json=body)
    assert response.status_code == 202
    first, second = await receiver.next_put(), await receiver.next_put()
    assert first.body == second.body == {"status": "success", "outputs": {"word": "HEY"}}
    await asyncio.sleep(0.2)  # a third attempt would come after 0.03 s
    assert receiver.puts.empty()


async def test_an_async_callback_needs_a_url(flaky_client: httpx.AsyncClient) -> None:
    response = await flaky_client.post("/custom/shout", json=call({"word": "hey"}))
    assert response.status_code == 400
    assert response.json()["detail"] == {"field": "callback_url"}


def test_actions_must_be_async_functions_of_models() -> None:
    executor = Executor("x", "X")

    def not_async(inputs: Text) -> Text:
        return inputs

    with pytest.raises(TypeError, match="async def"):
        executor.action(key="sync_def", name="Sync def")(not_async)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="already used"):
        executor.include(upper, upper)
    with pytest.raises(ValueError, match="secret"):
        Executor("x", "X", auth="bearer")
