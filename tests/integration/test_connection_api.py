"""Connections through the public app: write-only secrets, names, permissions, paging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from flowauto.bootstrap import build_in_memory
from tests.http_client import API, TokenAuthenticator, as_user, public_client

ANN, BOB = as_user("ann"), as_user("bob")


@pytest.fixture
async def client() -> AsyncIterator[Any]:
    async with public_client(build_in_memory(authenticator=TokenAuthenticator())) as client:
        yield client


def connection(**overrides: Any) -> dict[str, Any]:
    body = {"name": "crm", "type": "http", "config": {"base": "https://crm.example"},
            "secrets": {"token": "t0p-s3cret"}}  # fmt: skip
    return {**body, **overrides}


async def test_secrets_are_write_only_and_names_unique(client: Any) -> None:
    created = await client.post(f"{API}/connections", json=connection(), headers=ANN)
    assert created.status_code == 201, created.text
    read = await client.get(f"{API}/connections/{created.json()['id']}", headers=BOB)
    assert read.status_code == 200
    assert "t0p-s3cret" not in read.text
    assert read.json()["secret_keys"] == ["token"]
    listed = (await client.get(f"{API}/connections", headers=ANN)).json()
    assert listed["total"] == 1
    assert "t0p-s3cret" not in str(listed)
    clash = await client.post(f"{API}/connections", json=connection(), headers=ANN)
    assert clash.status_code == 409


async def test_bad_input_names_the_field_and_others_may_not_change(client: Any) -> None:
    bad = await client.post(f"{API}/connections", json=connection(name="has space"), headers=ANN)
    assert bad.status_code == 400
    assert "name" in bad.text
    wrong_type = await client.post(f"{API}/connections", json=connection(type="ftp"), headers=ANN)
    assert wrong_type.status_code == 400
    created = (await client.post(f"{API}/connections", json=connection(), headers=ANN)).json()
    url = f"{API}/connections/{created['id']}"
    assert (await client.delete(url, headers=BOB)).status_code == 403
    assert (await client.delete(url, headers=ANN)).status_code == 204
    assert (await client.get(url, headers=ANN)).status_code == 404
