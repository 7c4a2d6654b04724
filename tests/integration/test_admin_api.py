"""The private operator routes: live workers, run statistics, a forced sweep, and starting a
run for another service's user (SPEC section 8)."""

from __future__ import annotations

import asyncio
from typing import Any

from flowauto.application.admin_service import NO_WORKER_ROLE, AdminService
from flowauto.bootstrap import build_in_memory
from flowauto.driven_adapters.in_memory.run_repository import InMemoryRunRepository
from flowauto.driven_adapters.in_memory.worker_registry import InMemoryWorkerRegistry
from flowauto.driven_adapters.system_clock import SystemClock
from tests.documents import dag_document, manual_trigger
from tests.http_client import API, private_client, public_client

OPERATOR = {"X-User-Id": "operator"}
SERVICE = {"X-User-Id": "svc-user", "X-Business-Domain": "sales"}
IN_SALES = {"X-Business-Domain": "sales"}
WAIT_MS = 50
WAIT_STEP = {"id": "2", "title": "pause", "operator": "@internal/wait",
             "parameters": {"duration_ms": WAIT_MS}}  # fmt: skip


async def created_dag(public: Any, headers: dict[str, str], **fields: Any) -> str:
    response = await public.post(f"{API}/dags", json=dag_document(**fields), headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def started(public: Any, dag_id: str) -> str:
    response = await public.post(f"{API}/dags/{dag_id}/run", json={})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def until(public: Any, run_id: str, status: str, headers: Any = None) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            run: dict[str, Any] = (
                await public.get(f"{API}/instances/{run_id}", headers=headers)
            ).json()
            if run["status"] == status:
                return run
            await asyncio.sleep(0.01)


async def waiting_run(public: Any) -> str:
    """A run blocked on a timer that is already due: without a running claim loop (the engine
    of `build_in_memory` is not started) it waits for a worker."""
    run_id = await started(
        public, await created_dag(public, {}, steps=[manual_trigger(), WAIT_STEP])
    )
    await until(public, run_id, "blocked")
    await asyncio.sleep(2 * WAIT_MS / 1000)
    return run_id


async def audit_entries(public: Any, action: str, headers: Any = None) -> list[dict[str, Any]]:
    answer = await public.get(f"{API}/audit-logs", params={"action": action}, headers=headers)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["entries"]
    return found


async def test_a_worker_is_listed_after_its_heartbeat() -> None:
    services = build_in_memory()
    assert services.engine is not None
    async with private_client(services) as private:
        before = (await private.get("/admin/workers")).json()
        await services.heartbeat.beat()
        answer = await private.get("/admin/workers")
        prefixed = await private.get(f"{API}/admin/workers")

    assert before == {"workers": []}
    assert answer.status_code == 200
    [worker] = answer.json()["workers"]
    assert worker["id"] == services.engine.worker  # the name its run leases carry
    assert worker["roles"] == ["api", "scheduler", "worker"]
    assert worker["held_runs"] == 0
    assert isinstance(worker["host"], str)
    assert 0 < worker["started_at"] <= worker["last_heartbeat"]
    assert prefixed.json() == answer.json()


async def test_a_stopped_heartbeat_leaves_the_list() -> None:
    services = build_in_memory()
    await services.heartbeat.start()
    async with private_client(services) as private:
        async with asyncio.timeout(5):
            while True:
                if (await private.get("/admin/workers")).json()["workers"]:
                    break
                await asyncio.sleep(0.01)
        await services.heartbeat.stop()
        after = (await private.get("/admin/workers")).json()

    assert after == {"workers": []}


async def test_stats_count_runs_by_status_and_those_waiting_for_a_worker() -> None:
    services = build_in_memory()
    async with public_client(services) as public, private_client(services) as private:
        empty = (await private.get("/admin/stats")).json()
        done = await started(public, await created_dag(public, {}))
        await until(public, done, "success")
        await waiting_run(public)
        stats = (await private.get("/admin/stats")).json()
        prefixed = (await private.get(f"{API}/admin/stats")).json()

    assert empty == {"runs_by_status": {}, "queue_depth": 0, "oldest_pending_age_ms": None}
    assert stats["runs_by_status"] == {"success": 1, "blocked": 1}
    assert stats["queue_depth"] == 1
    # Creation times are whole seconds: the age is at least what has passed, within a second.
    assert 0 <= stats["oldest_pending_age_ms"] < 60_000
    assert prefixed["queue_depth"] == 1


async def test_recover_claims_a_waiting_run_and_is_audited() -> None:
    services = build_in_memory()
    assert services.engine is not None
    async with public_client(services) as public, private_client(services) as private:
        run_id = await waiting_run(public)
        recovered = await private.post("/admin/recover", headers=OPERATOR)
        run = await until(public, run_id, "success")
        stats = (await private.get("/admin/stats")).json()
        nothing_left = (await private.post("/admin/recover", headers=OPERATOR)).json()
        found = await audit_entries(public, "worker.recover")

    assert recovered.status_code == 200
    assert recovered.json() == {
        "claimed": 1, "worker": services.engine.worker, "swept": True, "message": "",
    }  # fmt: skip
    assert run["status"] == "success"
    assert stats["queue_depth"] == 0
    assert nothing_left["claimed"] == 0
    assert [(one["user"], one["object_type"]) for one in found] == [
        ("operator", "worker"), ("operator", "worker"),
    ]  # fmt: skip


async def test_recover_in_a_process_without_an_engine_says_so() -> None:
    services = build_in_memory()
    without_engine = AdminService(
        registry=InMemoryWorkerRegistry(), runs=InMemoryRunRepository(), clock=SystemClock(),
        engine=None,
    )  # fmt: skip
    object.__setattr__(services, "admin", without_engine)
    async with private_client(services) as private:
        answer = await private.post("/admin/recover")

    assert answer.status_code == 200
    assert answer.json() == {
        "claimed": 0,
        "worker": None,
        "swept": False,
        "message": NO_WORKER_ROLE,
    }


async def test_a_service_starts_a_run_as_the_named_user_in_its_domain() -> None:
    services = build_in_memory()
    async with public_client(services) as public, private_client(services) as private:
        dag_id = await created_dag(public, IN_SALES)
        response = await private.post(
            f"{API}/dags/{dag_id}/run", json={"vars": {}, "data": {}}, headers=SERVICE
        )
        run_id = response.json()["id"]
        run = await until(public, run_id, "success", IN_SALES)
        elsewhere = await private.post(
            f"{API}/dags/{dag_id}/run", json={}, headers={"X-User-Id": "svc-user"}
        )
        found = await audit_entries(public, "run.start", IN_SALES)

    assert response.status_code == 201
    assert response.headers["Location"] == f"{API}/instances/{run_id}"
    assert (run["userid"], run["biz_domain_id"], run["dagId"]) == ("svc-user", "sales", dag_id)
    assert elsewhere.status_code == 404
    assert [(one["user"], one["object_id"]) for one in found] == [("svc-user", run_id)]


async def test_an_idempotency_key_gives_a_service_the_same_run() -> None:
    services = build_in_memory()
    headers = {**SERVICE, "Idempotency-Key": "order-17"}
    async with public_client(services) as public, private_client(services) as private:
        dag_id = await created_dag(public, IN_SALES)
        first = await private.post(f"{API}/dags/{dag_id}/run", json={}, headers=headers)
        second = await private.post(f"{API}/dags/{dag_id}/run", headers=headers)

    assert first.json()["id"] == second.json()["id"]


async def test_bad_input_answers_400_naming_the_field() -> None:
    services = build_in_memory()
    async with public_client(services) as public, private_client(services) as private:
        dag_id = await created_dag(public, IN_SALES)
        wrong_type = await private.post(
            f"{API}/dags/{dag_id}/run", json={"vars": 5}, headers=SERVICE
        )
        unknown = await private.post(f"{API}/dags/{dag_id}/run", json={"bogus": 1}, headers=SERVICE)
        bad_domain = await private.post(
            f"{API}/dags/{dag_id}/run", json={}, headers={"X-Business-Domain": "no spaces"}
        )

    assert (wrong_type.status_code, wrong_type.json()["detail"]["field"]) == (400, "vars")
    assert (unknown.status_code, unknown.json()["detail"]["field"]) == (400, "bogus")
    assert bad_domain.status_code == 400
    assert "X-Business-Domain" in bad_domain.json()["message"]
