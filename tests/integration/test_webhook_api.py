"""`POST /webhooks/{dagId}`: signed or token calls start runs; bad ones get 401/400."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from flowauto.bootstrap import build_in_memory
from flowauto.domain.webhook import sign
from tests.engine import step
from tests.http_client import API, TokenAuthenticator, as_user, public_client
from tests.integration.test_run_api import tasks_of, until

ANN = as_user("ann")
WEBHOOK = {"id": "1", "operator": "@trigger/webhook", "parameters": {}}


@pytest.fixture
async def client() -> AsyncIterator[Any]:
    async with public_client(build_in_memory(authenticator=TokenAuthenticator())) as client:
        yield client


async def webhook_dag(client: Any) -> tuple[str, str, str]:
    body = {"title": "hook", "steps": [WEBHOOK, step("2", "@internal/text/join",
                                                     texts=["{{__1.body.order}}"])]}  # fmt: skip
    dag_id = (await client.post(f"{API}/dags", json=body, headers=ANN)).json()["id"]
    document = (await client.get(f"{API}/dags/{dag_id}", headers=ANN)).json()
    return dag_id, document["webhook"]["url"], document["webhook"]["secret"]


def signed(secret: str, body: bytes, at: int | None = None) -> dict[str, str]:
    timestamp = at if at is not None else int(time.time())
    return {
        "X-Flowauto-Timestamp": str(timestamp),
        "X-Flowauto-Signature": sign(secret, timestamp, body),
        "Content-Type": "application/json",
    }


async def test_a_signed_call_starts_one_run_with_the_body_and_headers(client: Any) -> None:
    _, url, secret = await webhook_dag(client)
    body = json.dumps({"order": "A-17"}).encode()
    headers = {**signed(secret, body), "X-Source": "shop"}
    first = await client.post(url, content=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await client.post(url, content=body, headers=headers)
    assert again.json()["id"] == first.json()["id"], "a replayed signed call starts no new run"
    run_id = first.json()["id"]
    assert (await until(client, run_id))["trigger"] == "webhook"
    tasks = await tasks_of(client, run_id)
    assert tasks["2"]["outputs"] == {"text": "A-17"}
    assert tasks["1"]["outputs"]["headers"]["x-source"] == "shop"
    assert "x-flowauto-signature" not in tasks["1"]["outputs"]["headers"]


async def test_a_token_call_works_and_bad_proofs_are_refused(client: Any) -> None:
    _, url, secret = await webhook_dag(client)
    body = b'{"order": 1}'
    ok = await client.post(url, content=body, headers={"X-Flowauto-Token": secret})
    assert ok.status_code == 201
    bearer = await client.post(url, content=body, headers={"Authorization": f"Bearer {secret}"})
    assert bearer.status_code == 201
    cases = [
        ({}, 401),
        ({"X-Flowauto-Token": "nope"}, 401),
        ({**signed(secret, b"other body")}, 401),
        ({**signed(secret, body, at=int(time.time()) - 3600)}, 401),
        ({"X-Flowauto-Signature": "sha256=00", "X-Flowauto-Timestamp": "soon"}, 400),
    ]
    for headers, status in cases:
        response = await client.post(url, content=body, headers=headers)
        assert response.status_code == status, (headers, response.text)
    not_json = await client.post(url, content=b"{oops", headers={"X-Flowauto-Token": secret})
    assert not_json.status_code == 400
    assert "body" in not_json.text


async def test_only_webhook_dags_answer_and_others_see_no_secret(client: Any) -> None:
    dag_id, _, _ = await webhook_dag(client)
    reader = as_user("bob", roles="")
    assert (await client.get(f"{API}/dags/{dag_id}", headers=reader)).status_code == 404
    manual = {
        "title": "manual",
        "steps": [step("1", "@trigger/manual"), step("2", "@internal/time/now")],
    }
    other = (await client.post(f"{API}/dags", json=manual, headers=ANN)).json()["id"]
    response = await client.post(
        f"{API}/webhooks/{other}", content=b"{}", headers={"X-Flowauto-Token": "x"}
    )
    assert response.status_code == 404
