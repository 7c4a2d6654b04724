"""Secrets and tokens never reach the server's logs (SPEC section 9)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.e2e.server_process import running_server, stop
from tests.engine import step
from tests.local_http import local_http_server

SECRET = "sk-live-7c1e9d"


def test_a_run_with_secrets_and_tokens_logs_none_of_them(tmp_path: Path) -> None:
    env = {"FLOWAUTO_HTTP__ALLOW_HOSTS": "127.0.0.1", "FLOWAUTO_LOG__LEVEL": "INFO"}
    with local_http_server() as target, running_server(tmp_path, env) as server:
        connection = {"name": "pay", "type": "http", "config": {}, "secrets": {"key": SECRET}}
        assert httpx.post(f"{server.api}/connections", json=connection).status_code == 201
        target.fail_first["/pay"] = 5  # every attempt fails: reasons and retries get logged
        call = step("2", "@internal/http/request", method="POST", url=f"{target.url}/pay",
                    headers={"Authorization": "Bearer {{__secrets.pay.key}}"},
                    body={"key": "{{__secrets.pay.key}}"})  # fmt: skip
        call["retry"] = {"max_attempts": 2, "backoff_ms": 10}
        hook = {"id": "1", "operator": "@trigger/webhook", "parameters": {}}
        body = {"title": "pays", "steps": [hook, call]}
        dag_id = httpx.post(f"{server.api}/dags", json=body).json()["id"]
        webhook = httpx.get(f"{server.api}/dags/{dag_id}").json()["webhook"]
        started = httpx.post(f"{server.public_url}{webhook['url']}", content=b'{"n": 1}',
                             headers={"Authorization": f"Bearer {webhook['secret']}"})  # fmt: skip
        assert started.status_code == 201, started.text
        run_id = started.json()["id"]
        deadline = time.monotonic() + 20
        while httpx.get(f"{server.api}/instances/{run_id}").json()["status"] != "failed":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert stop(server) == 0
        output = server.output()
    assert target.calls["/pay"] == 2
    assert SECRET not in output
    assert webhook["secret"] not in output
