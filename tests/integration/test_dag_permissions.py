"""Who may see and change a DAG (SPEC section 7), through the public API."""

from __future__ import annotations

from typing import Any

import pytest

from flowauto.bootstrap import build_in_memory
from tests.documents import dag_document
from tests.http_client import API, TokenAuthenticator, as_user, public_client

OWNER = as_user("owner")
ADMIN = as_user("boss", roles="admin")


@pytest.fixture
async def client() -> Any:
    async with public_client(build_in_memory(TokenAuthenticator())) as test_client:
        yield test_client


async def create_shared(client: Any) -> str:
    accessors = [
        {"id": "reader", "name": "R", "type": "user"},
        {"id": "d1", "name": "Dept", "type": "department"},
        {"id": "g1", "name": "Group", "type": "group"},
    ]
    response = await client.post(
        f"{API}/dags", json=dag_document(title="Shared", accessors=accessors), headers=OWNER
    )
    assert response.status_code == 201
    return str(response.json()["id"])


async def test_no_token_answers_401(client: Any) -> None:
    response = await client.get(f"{API}/dags")

    assert response.status_code == 401
    assert response.json()["code"].startswith("unauthenticated.")


@pytest.mark.parametrize(
    "headers",
    [as_user("reader"), as_user("x", departments="d1"), as_user("y", groups="g1,g2"), ADMIN, OWNER],
)
async def test_accessors_owner_and_admins_see_the_dag(client: Any, headers: dict[str, str]) -> None:
    dag_id = await create_shared(client)

    assert (await client.get(f"{API}/dags/{dag_id}", headers=headers)).status_code == 200
    listed = (await client.get(f"{API}/dags", headers=headers)).json()
    assert [d["id"] for d in listed["dags"]] == [dag_id]


async def test_strangers_get_404_and_an_empty_list(client: Any) -> None:
    dag_id = await create_shared(client)
    stranger = as_user("stranger", departments="d2")

    assert (await client.get(f"{API}/dags/{dag_id}", headers=stranger)).status_code == 404
    assert (
        await client.put(f"{API}/dags/{dag_id}", json={"title": "x"}, headers=stranger)
    ).status_code == 404
    assert (await client.get(f"{API}/dags", headers=stranger)).json()["total"] == 0
    batch = await client.post(f"{API}/dags/batch", json={"ids": [dag_id]}, headers=stranger)
    assert batch.json() == {"dags": []}


async def test_accessors_may_not_change_or_delete(client: Any) -> None:
    dag_id = await create_shared(client)
    reader = as_user("reader")

    update = await client.put(f"{API}/dags/{dag_id}", json={"title": "Mine now"}, headers=reader)
    delete = await client.delete(f"{API}/dags/{dag_id}", headers=reader)
    bulk = await client.request("DELETE", f"{API}/dags", json={"ids": [dag_id]}, headers=reader)

    assert (update.status_code, delete.status_code, bulk.status_code) == (403, 403, 403)
    document = (await client.get(f"{API}/dags/{dag_id}", headers=OWNER)).json()
    assert document["title"] == "Shared"


async def test_admins_may_change_any_dag_and_are_recorded(client: Any) -> None:
    dag_id = await create_shared(client)

    response = await client.put(f"{API}/dags/{dag_id}", json={"title": "Fixed"}, headers=ADMIN)

    assert response.status_code == 204
    document = (await client.get(f"{API}/dags/{dag_id}", headers=OWNER)).json()
    assert (document["title"], document["userid"], document["modify_by"]) == (
        "Fixed",
        "owner",
        "boss",
    )
