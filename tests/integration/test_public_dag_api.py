"""The DAG routes of the public API, through Litestar's test client on the in-memory wiring."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from flowauto.bootstrap import build_in_memory
from tests.documents import dag_document, join_step, manual_trigger, now_step
from tests.http_client import API, public_client

Client = AsyncTestClient  # type: ignore[type-arg]


@pytest.fixture
async def client() -> Any:
    async with public_client() as test_client:
        yield test_client


async def create(client: Client, **overrides: Any) -> str:
    response = await client.post(f"{API}/dags", json=dag_document(**overrides))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_create_answers_201_with_the_id_and_location(client: Client) -> None:
    response = await client.post(f"{API}/dags", json=dag_document(title="Nightly invoice sync"))

    assert response.status_code == 201
    dag_id = response.json()["id"]
    assert dag_id.isdigit()
    assert response.headers["Location"] == f"{API}/dags/{dag_id}"


async def test_a_created_dag_reads_back_with_server_fields(client: Client) -> None:
    steps = [manual_trigger(), join_step("2", "a", "{{__1.id}}"), now_step("3")]
    dag_id = await create(
        client,
        title="Reads back",
        steps=steps,
        vars={"region": {"desc": "r", "defaultValue": "eu"}},
        emails=["ops@example.com"],
        accessors=[{"id": "u2", "name": "Ann", "type": "user"}],
    )

    document = (await client.get(f"{API}/dags/{dag_id}")).json()

    assert document["id"] == dag_id
    assert document["title"] == "Reads back"
    assert document["version"] == "v1.0.0"
    assert document["versionId"].isdigit()
    assert document["userid"] == "admin"
    assert document["biz_domain_id"] == "default"
    assert document["trigger"] == "@trigger/manual"
    assert document["actions"] == ["@internal/text/join", "@internal/time/now"]
    assert document["vars"] == {"region": {"desc": "r", "defaultValue": "eu"}}
    assert document["accessors"] == [{"id": "u2", "name": "Ann", "type": "user"}]
    assert [step["id"] for step in document["steps"]] == ["1", "2", "3"]
    assert document["steps"][1]["parameters"]["texts"] == ["a", "{{__1.id}}"]
    assert document["created_at"] == document["updated_at"] > 1_700_000_000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": 5}, "title"),
        ({"surprise": True}, "surprise"),
        ({"status": "paused"}, "status"),
        ({"accessors": [{"id": "x", "type": "robot"}]}, "accessors"),
        ({"title": "a/b"}, "title"),
        ({"title": "x" * 129}, "title"),
        ({"description": "two\nlines"}, "description"),
        ({"type": "no spaces"}, "type"),
        ({"version": "1.0"}, "version"),
    ],
)
async def test_bad_fields_answer_400_naming_the_field(
    client: Client, body: dict[str, Any], field: str
) -> None:
    response = await client.post(f"{API}/dags", json=dag_document(**body))

    assert response.status_code == 400, response.text
    error = response.json()
    assert field in error["message"]
    assert error["detail"]["field"].startswith(field)
    assert error["code"].startswith("invalid.")


async def test_a_missing_required_field_is_named(client: Client) -> None:
    document = dag_document()
    del document["title"]

    response = await client.post(f"{API}/dags", json=document)

    assert response.status_code == 400
    assert "title" in response.json()["message"]


async def test_malformed_json_answers_400(client: Client) -> None:
    response = await client.post(
        f"{API}/dags", content=b'{"title": ', headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "detail"}


async def test_a_body_over_1_mib_answers_413(client: Client) -> None:
    padding = "x" * (1024 * 1024)
    body = json.dumps(dag_document(description="", change_log=padding)).encode()

    response = await client.post(
        f"{API}/dags", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["code"].startswith("toolarge.")


async def test_an_invalid_dag_answers_422_naming_step_and_field(client: Client) -> None:
    steps = [manual_trigger(), {"id": "2", "operator": "@internal/nope", "parameters": {}}]

    response = await client.post(f"{API}/dags", json=dag_document(steps=steps))

    assert response.status_code == 422
    error = response.json()
    assert error["detail"]["step_id"] == "2"
    assert error["detail"]["field"] == "operator"
    assert "2" in error["message"]


async def test_a_reference_to_a_later_step_is_422(client: Client) -> None:
    steps = [manual_trigger(), join_step("2", "{{__3.curtime}}"), now_step("3")]

    response = await client.post(f"{API}/dags", json=dag_document(steps=steps))

    assert response.status_code == 422
    assert response.json()["detail"]["step_id"] == "2"


async def test_titles_are_unique_in_a_domain(client: Client) -> None:
    await create(client, title="Twice")

    response = await client.post(f"{API}/dags", json=dag_document(title="Twice"))

    assert response.status_code == 409
    assert response.json()["code"] == "conflict.DagTitleTaken"


async def test_list_pages_filters_and_sorts(client: Client) -> None:
    for title in ("alpha", "beta", "gamma"):
        await create(client, title=title, type="data-flow" if title == "beta" else "workflow")

    first = (
        await client.get(f"{API}/dags", params={"limit": 2, "sortby": "title", "order": "asc"})
    ).json()
    second = (
        await client.get(
            f"{API}/dags", params={"limit": 2, "page": 1, "sortby": "title", "order": "asc"}
        )
    ).json()
    typed = (await client.get(f"{API}/dags", params={"type": "data-flow"})).json()
    keyword = (await client.get(f"{API}/dags", params={"keyword": "AMM"})).json()

    assert (first["total"], first["page"], first["limit"]) == (3, 0, 2)
    assert [d["title"] for d in first["dags"]] == ["alpha", "beta"]
    assert [d["title"] for d in second["dags"]] == ["gamma"]
    assert [d["title"] for d in typed["dags"]] == ["beta"]
    assert [d["title"] for d in keyword["dags"]] == ["gamma"]
    assert "steps" not in first["dags"][0]
    assert first["dags"][0]["actions"] == ["@internal/time/now"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"page": -1},
        {"sortby": "id"},
        {"order": "up"},
        {"status": "gone"},
        {"limit": "ten"},
    ],
)
async def test_bad_list_parameters_answer_400(client: Client, params: dict[str, Any]) -> None:
    response = await client.get(f"{API}/dags", params=params)

    assert response.status_code == 400, response.text
    assert next(iter(params)) in response.json()["message"]


async def test_a_metadata_change_keeps_the_version(client: Client) -> None:
    dag_id = await create(client)

    response = await client.put(
        f"{API}/dags/{dag_id}", json={"title": "Renamed", "status": "stopped"}
    )

    assert response.status_code == 204
    document = (await client.get(f"{API}/dags/{dag_id}")).json()
    assert (document["title"], document["status"], document["version"]) == (
        "Renamed",
        "stopped",
        "v1.0.0",
    )


async def test_a_step_change_makes_a_new_patch_version(client: Client) -> None:
    dag_id = await create(client)
    first = (await client.get(f"{API}/dags/{dag_id}")).json()
    steps = [manual_trigger(), now_step("2"), now_step("3")]

    response = await client.put(
        f"{API}/dags/{dag_id}", json={"steps": steps, "change_log": "added 3"}
    )

    assert response.status_code == 204
    latest = (await client.get(f"{API}/dags/{dag_id}")).json()
    old = (await client.get(f"{API}/dags/{dag_id}", params={"version": first["versionId"]})).json()
    versions = (await client.get(f"{API}/dags/{dag_id}/versions")).json()["versions"]
    assert latest["version"] == "v1.0.1"
    assert latest["change_log"] == "added 3"
    assert len(latest["steps"]) == 3
    assert len(old["steps"]) == 2
    assert old["version"] == "v1.0.0"
    assert [v["version"] for v in versions] == ["v1.0.1", "v1.0.0"]


async def test_a_given_version_must_be_greater_than_the_latest(client: Client) -> None:
    dag_id = await create(client, version="v2.0.0")
    steps = [manual_trigger(), now_step("9")]

    stale = await client.put(f"{API}/dags/{dag_id}", json={"steps": steps, "version": "v1.9.9"})
    same = await client.put(f"{API}/dags/{dag_id}", json={"steps": steps, "version": "v2.0.0"})
    newer = await client.put(f"{API}/dags/{dag_id}", json={"steps": steps, "version": "v2.1.0"})

    assert stale.status_code == 409
    assert same.status_code == 409
    assert stale.json()["detail"]["field"] == "version"
    assert newer.status_code == 204
    assert (await client.get(f"{API}/dags/{dag_id}/versions/next")).json() == {"version": "v2.1.1"}


async def test_revert_makes_a_new_version_with_the_old_steps(client: Client) -> None:
    dag_id = await create(client)
    original = (await client.get(f"{API}/dags/{dag_id}")).json()
    await client.put(f"{API}/dags/{dag_id}", json={"steps": [manual_trigger(), now_step("7")]})

    response = await client.post(f"{API}/dags/{dag_id}/versions/{original['versionId']}/revert")

    assert response.status_code == 201
    assert response.json()["version"] == "v1.0.2"
    latest = (await client.get(f"{API}/dags/{dag_id}")).json()
    assert [s["id"] for s in latest["steps"]] == ["1", "2"]
    assert latest["change_log"] == "revert to v1.0.0"


async def test_unknown_ids_answer_404(client: Client) -> None:
    for response in (
        await client.get(f"{API}/dags/123"),
        await client.put(f"{API}/dags/123", json={"title": "x"}),
        await client.delete(f"{API}/dags/123"),
        await client.get(f"{API}/dags/123/versions"),
        await client.post(f"{API}/dags/123/versions/9/revert"),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "notfound.DagNotFound"


async def test_an_unknown_version_answers_404(client: Client) -> None:
    dag_id = await create(client)

    response = await client.get(f"{API}/dags/{dag_id}", params={"version": "42"})

    assert response.status_code == 404
    assert response.json()["code"] == "notfound.DagVersionNotFound"


async def test_delete_hides_the_dag_and_frees_its_title(client: Client) -> None:
    dag_id = await create(client, title="Short-lived")

    assert (await client.delete(f"{API}/dags/{dag_id}")).status_code == 204

    assert (await client.get(f"{API}/dags/{dag_id}")).status_code == 404
    assert (await client.get(f"{API}/dags")).json()["total"] == 0
    await create(client, title="Short-lived")


async def test_batch_get_and_batch_delete(client: Client) -> None:
    ids = [await create(client, title=t) for t in ("one", "two", "three")]

    batch = await client.post(
        f"{API}/dags/batch", json={"ids": [ids[2], "404", ids[0]], "fields": ["title"]}
    )
    deleted = await client.request("DELETE", f"{API}/dags", json={"ids": ids[:2]})

    assert batch.status_code == 200
    assert batch.json() == {
        "dags": [{"id": ids[2], "title": "three"}, {"id": ids[0], "title": "one"}]
    }
    assert deleted.status_code == 204
    remaining = (await client.get(f"{API}/dags")).json()
    assert [d["id"] for d in remaining["dags"]] == [ids[2]]


async def test_batch_routes_refuse_an_empty_id_list(client: Client) -> None:
    assert (await client.post(f"{API}/dags/batch", json={"ids": []})).status_code == 400
    assert (await client.request("DELETE", f"{API}/dags", json={})).status_code == 400


async def test_suggest_name_finds_a_free_title(client: Client) -> None:
    assert (await client.get(f"{API}/dags/suggest-name/Sync")).json() == {"name": "Sync"}
    await create(client, title="Sync")
    await create(client, title="Sync(1)")

    assert (await client.get(f"{API}/dags/suggest-name/Sync")).json() == {"name": "Sync(2)"}


async def test_business_domains_do_not_see_each_other(client: Client) -> None:
    response = await client.post(
        f"{API}/dags", json=dag_document(title="Mine"), headers={"X-Business-Domain": "team-a"}
    )
    dag_id = response.json()["id"]

    elsewhere = await client.get(f"{API}/dags/{dag_id}", headers={"X-Business-Domain": "team-b"})
    listed = await client.get(f"{API}/dags", headers={"X-Business-Domain": "team-b"})
    home = await client.get(f"{API}/dags/{dag_id}", headers={"X-Business-Domain": "team-a"})

    assert elsewhere.status_code == 404
    assert listed.json()["total"] == 0
    assert home.json()["biz_domain_id"] == "team-a"
    await create(client, title="Mine")  # titles are unique per domain only


async def test_a_bad_business_domain_header_answers_400(client: Client) -> None:
    response = await client.get(f"{API}/dags", headers={"X-Business-Domain": "no spaces!"})

    assert response.status_code == 400
    assert response.json()["detail"]["field"] == "X-Business-Domain"


async def test_actions_lists_the_built_in_catalog(client: Client) -> None:
    response = await client.get(f"{API}/actions")

    actions = {entry["name"]: entry for entry in response.json()["actions"]}
    assert {"@trigger/manual", "@internal/text/join", "@control/flow/loop"} <= set(actions)
    join = actions["@internal/text/join"]
    assert join["parameters"]["type"] == "object"
    assert "texts" in join["parameters"]["properties"]
    assert join["outputs"] == ["text"]


async def test_the_openapi_document_is_served() -> None:
    async with public_client(build_in_memory()) as client:
        response = await client.get("/schema/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert f"{API}/dags" in paths
    assert f"{API}/dags/{{dag_id}}/versions/{{version_id}}/revert" in paths
