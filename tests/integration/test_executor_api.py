"""Custom executors through the public app: CRUD, import, access, catalog, validation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from flowauto.bootstrap import build_in_memory
from tests.engine import manual, step
from tests.http_client import API, TokenAuthenticator, as_user, public_client

ANN, BOB, ADMIN = as_user("ann"), as_user("bob"), as_user("root", roles="admin")
UPPER = {
    "key": "upper", "name": "Upper", "path": "/actions/upper",
    "input_schema": {"type": "object", "required": ["text"],
                     "properties": {"text": {"type": "string"}}},
    "output_schema": {"type": "object", "properties": {"text": {"type": "string"}}},
}  # fmt: skip


def executor_document(**overrides: Any) -> dict[str, Any]:
    document = {
        "key": "echo", "name": "Echo", "base_url": "http://127.0.0.1:9",
        "auth": {"type": "bearer", "secret": "s3cret"}, "actions": [UPPER],
    }  # fmt: skip
    return {**document, **overrides}


@pytest.fixture
async def client() -> AsyncIterator[Any]:
    async with public_client(build_in_memory(authenticator=TokenAuthenticator())) as client:
        yield client


async def test_an_executor_is_created_read_without_its_secret_and_imported_idempotently(
    client: Any,
) -> None:
    created = await client.post(f"{API}/executors", json=executor_document(), headers=ANN)
    assert created.status_code == 201, created.text
    executor_id = created.json()["id"]
    read = (await client.get(f"{API}/executors/{executor_id}", headers=ANN)).json()
    assert read["auth"] == {"type": "bearer", "has_secret": True}
    assert "s3cret" not in str(read)
    again = await client.post(
        f"{API}/executors/import", json=executor_document(name="Echo 2"), headers=ANN
    )
    assert again.status_code == 200
    assert again.json()["id"] == executor_id
    assert (await client.get(f"{API}/executors/{executor_id}", headers=ANN)).json()[
        "name"
    ] == "Echo 2"
    clash = await client.post(f"{API}/executors", json=executor_document(), headers=ANN)
    assert clash.status_code == 409


async def test_only_owner_accessors_and_admins_see_and_change_an_executor(client: Any) -> None:
    executor_id = (
        await client.post(f"{API}/executors", json=executor_document(), headers=ANN)
    ).json()["id"]
    assert (await client.get(f"{API}/executors/{executor_id}", headers=BOB)).status_code == 404
    assert (await client.get(f"{API}/executors", headers=BOB)).json()["executors"] == []
    assert (await client.get(f"{API}/executors/{executor_id}", headers=ADMIN)).status_code == 200
    shared = executor_document(accessors=[{"id": "bob", "name": "Bob", "type": "user"}])
    await client.put(f"{API}/executors/{executor_id}", json=shared, headers=ANN)
    assert (await client.get(f"{API}/executors/{executor_id}", headers=BOB)).status_code == 200
    refused = await client.delete(f"{API}/executors/{executor_id}", headers=BOB)
    assert refused.status_code == 403


async def test_custom_actions_appear_in_the_catalog_and_steps_are_checked_on_save(
    client: Any,
) -> None:
    await client.post(f"{API}/executors", json=executor_document(), headers=ANN)
    catalog = (await client.get(f"{API}/actions", headers=ANN)).json()["actions"]
    entry = next(a for a in catalog if a["name"] == "@custom/echo/upper")
    assert entry["parameters"]["required"] == ["text"]
    others = (await client.get(f"{API}/actions", headers=BOB)).json()["actions"]
    assert all(a["name"] != "@custom/echo/upper" for a in others)
    good = {"title": "uses echo", "steps": [manual(), step("2", "@custom/echo/upper", text="hi")]}
    assert (await client.post(f"{API}/dags", json=good, headers=ANN)).status_code == 201
    missing = {"title": "bad echo", "steps": [manual(), step("2", "@custom/echo/upper")]}
    refused = await client.post(f"{API}/dags", json=missing, headers=ANN)
    assert refused.status_code == 422
    assert "text" in refused.text
    unknown = {"title": "nobody's", "steps": [manual(), step("2", "@custom/echo/upper", text="x")]}
    assert (await client.post(f"{API}/dags", json=unknown, headers=BOB)).status_code == 422


async def test_bad_executor_documents_name_the_field(client: Any) -> None:
    cases = [
        (executor_document(key="no spaces"), "key"),
        (executor_document(base_url="ftp://x"), "base_url"),
        (executor_document(actions=[{**UPPER, "path": "nope"}]), "path"),
        (executor_document(actions=[UPPER, UPPER]), "actions"),
    ]
    for document, field in cases:
        response = await client.post(f"{API}/executors", json=document, headers=ANN)
        assert response.status_code == 400, (field, response.text)
        assert field in response.text
