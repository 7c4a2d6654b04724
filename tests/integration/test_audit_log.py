"""The audit log over HTTP: mutating calls leave entries, only admins read them, and no write
route can be added without saying what it audits."""

from __future__ import annotations

from typing import Any

from litestar import Litestar

from flowauto.bootstrap import build_in_memory
from flowauto.driver_adapters.http.audit import AUDIT_OPT, READ_METHODS
from flowauto.driver_adapters.http.private.app import create_private_app
from flowauto.driver_adapters.http.public.app import create_public_app
from tests.documents import dag_document, manual_trigger
from tests.http_client import API, TokenAuthenticator, as_user, private_client, public_client

ADMIN = as_user("root", roles="admin")
ANN = as_user("ann")
APPROVAL = {"id": "2", "title": "ok?", "operator": "@workflow/approval",
            "parameters": {"title": "t", "contents": []}}  # fmt: skip
APPROVAL_DAG = dag_document(steps=[manual_trigger(), APPROVAL])


async def entries(client: Any, headers: dict[str, str], **filters: Any) -> list[dict[str, Any]]:
    answer = await client.get(f"{API}/audit-logs", headers=headers, params=filters)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["entries"]
    return found


async def test_changes_and_run_control_are_audited() -> None:
    services = build_in_memory(authenticator=TokenAuthenticator())
    async with public_client(services) as client:
        created = await client.post(f"{API}/dags", json=APPROVAL_DAG, headers=ANN)
        dag_id = created.json()["id"]
        started = await client.post(f"{API}/dags/{dag_id}/run", json={}, headers=ANN)
        run_id = started.json()["id"]
        canceled = await client.post(f"{API}/instances/{run_id}/cancel", headers=ANN)
        assert canceled.status_code == 202
        deleted = await client.request("DELETE", f"{API}/dags", json={"ids": [dag_id]}, headers=ANN)
        assert deleted.status_code == 204, deleted.text
        found = await entries(client, ADMIN)
    actions = [(one["action"], one["object_id"], one["user"]) for one in found]
    assert actions == [
        ("dag.delete", "", "ann"),
        ("run.cancel", run_id, "ann"),
        ("run.start", run_id, "ann"),
        ("dag.create", dag_id, "ann"),
    ]
    deleted, _, start, create = found
    assert deleted["detail"]["ids"] == [dag_id]
    assert start["object_type"] == "run"
    assert start["detail"]["params"] == {"dag_id": dag_id}
    assert create["detail"] == {"method": "POST", "route": f"{API}/dags", "status": 201}
    assert create["biz_domain"] == "default"
    assert isinstance(create["at"], int)


async def test_refused_calls_and_reads_leave_no_entry() -> None:
    services = build_in_memory(authenticator=TokenAuthenticator())
    async with public_client(services) as client:
        await client.post(f"{API}/dags", json={"title": ""}, headers=ANN)
        await client.put(f"{API}/dags/123", json=dag_document(), headers=ANN)
        await client.get(f"{API}/dags", headers=ANN)
        assert await entries(client, ADMIN) == []


async def test_only_admins_read_and_only_their_domain() -> None:
    services = build_in_memory(authenticator=TokenAuthenticator())
    sales = {**ANN, "X-Business-Domain": "sales"}
    async with public_client(services) as client:
        await client.post(f"{API}/dags", json=dag_document(), headers=sales)
        refused = await client.get(f"{API}/audit-logs", headers=ANN)
        assert refused.status_code == 403
        assert await entries(client, ADMIN) == []
        in_sales = await entries(client, {**ADMIN, "X-Business-Domain": "sales"})
        assert [one["action"] for one in in_sales] == ["dag.create"]


async def test_filters_and_paging() -> None:
    services = build_in_memory(authenticator=TokenAuthenticator())
    async with public_client(services) as client:
        for user in ("ann", "bob", "ann"):
            await client.post(f"{API}/dags", json=dag_document(), headers=as_user(user))
        assert len(await entries(client, ADMIN, user="ann")) == 2
        assert len(await entries(client, ADMIN, action="dag.create", limit=1)) == 1
        paged = await client.get(f"{API}/audit-logs", headers=ADMIN, params={"page": 1, "limit": 2})
        assert paged.json()["total"] == 3
        assert len(paged.json()["entries"]) == 1
        bad = await client.get(f"{API}/audit-logs", headers=ADMIN, params={"since": "yesterday"})
        assert bad.status_code == 400
        assert "since" in bad.text


async def test_private_admin_calls_are_audited_with_the_named_user() -> None:
    services = build_in_memory(authenticator=TokenAuthenticator())
    async with private_client(services) as private, public_client(services) as public:
        switched = await private.put(
            "/admin/switch", headers={"X-User-Id": "operator"}, json={"enabled": False}
        )
        assert switched.status_code == 200
        found = await entries(public, ADMIN, action="switch.change")
    assert [one["user"] for one in found] == ["operator"]


def test_every_write_route_declares_what_it_audits() -> None:
    services = build_in_memory()
    apps = [create_public_app(services, max_body_bytes=1024), create_private_app(services,
            max_body_bytes=1024)]  # fmt: skip
    undeclared = [
        f"{method} {path}"
        for app in apps
        for method, path, opt in _routes(app)
        if method not in READ_METHODS and AUDIT_OPT not in opt
    ]
    assert undeclared == []


def _routes(app: Litestar) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, route.path, handler.opt)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        for method in handler.http_methods
    ]


async def test_a_webhook_call_is_audited_in_its_dags_domain() -> None:
    services = build_in_memory(authenticator=TokenAuthenticator())
    sales_admin = {**ADMIN, "X-Business-Domain": "sales"}
    hook = {"id": "1", "operator": "@trigger/webhook", "parameters": {}}
    body = dag_document(steps=[hook, {"id": "2", "operator": "@internal/time/now",
                                      "parameters": {}}])  # fmt: skip
    async with public_client(services) as client:
        dag_id = (await client.post(f"{API}/dags", json=body, headers=sales_admin)).json()["id"]
        webhook = (await client.get(f"{API}/dags/{dag_id}", headers=sales_admin)).json()["webhook"]
        called = await client.post(
            webhook["url"], content=b"{}", headers={"Authorization": f"Bearer {webhook['secret']}"}
        )
        assert called.status_code == 201, called.text
        in_sales = await entries(client, sales_admin, action="run.webhook")
        in_default = await entries(client, ADMIN, action="run.webhook")
    assert [(one["user"], one["object_id"]) for one in in_sales] == [
        ("webhook", called.json()["id"])
    ]
    assert in_default == []
