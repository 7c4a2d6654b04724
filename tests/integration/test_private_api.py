"""The private API: probes and service-to-service DAG administration."""

from __future__ import annotations

from flowauto.application.readiness import ReadinessService
from flowauto.bootstrap import build_in_memory
from flowauto.domain.errors import StoreUnavailableError
from tests.documents import dag_document
from tests.http_client import API, private_client, public_client


class DownStore:
    name = "mongodb"

    async def ping(self) -> None:
        raise StoreUnavailableError("connection refused")


async def test_alive_and_ready_answer_without_credentials() -> None:
    async with private_client(build_in_memory()) as client:
        alive = await client.get("/health/alive")
        ready = await client.get("/health/ready")

    assert alive.status_code == 200
    assert ready.status_code == 200


async def test_ready_answers_503_naming_what_is_down() -> None:
    services = build_in_memory()
    object.__setattr__(services, "readiness", ReadinessService([DownStore()]))

    async with private_client(services) as client:
        response = await client.get("/health/ready")

    assert response.status_code == 503
    body = response.json()
    assert "mongodb" in body["message"]
    assert body["detail"]["down"] == {"mongodb": "connection refused"}


async def test_deactivate_activate_delete_and_history() -> None:
    services = build_in_memory()
    async with public_client(services) as public, private_client(services) as private:
        dag_id = (await public.post(f"{API}/dags", json=dag_document())).json()["id"]

        stopped = await private.put(f"{API}/dags/deactivate", json={"ids": [dag_id, "404"]})
        status_after_stop = (await public.get(f"{API}/dags/{dag_id}")).json()["status"]
        started = await private.put(f"{API}/dags/activate", json={"ids": [dag_id]})
        status_after_start = (await public.get(f"{API}/dags/{dag_id}")).json()["status"]
        deleted = await private.request("DELETE", f"{API}/dags", json={"ids": [dag_id]})
        history = (await private.get(f"{API}/history-dags")).json()

    assert stopped.json() == {"changed": 1}
    assert status_after_stop == "stopped"
    assert started.json() == {"changed": 1}
    assert status_after_start == "normal"
    assert deleted.status_code == 204
    assert [d["id"] for d in history["dags"]] == [dag_id]
    assert history["dags"][0]["deleted_at"] is not None


async def test_private_calls_stay_in_their_business_domain() -> None:
    services = build_in_memory()
    async with public_client(services) as public, private_client(services) as private:
        dag_id = (await public.post(f"{API}/dags", json=dag_document())).json()["id"]

        response = await private.put(
            f"{API}/dags/deactivate", json={"ids": [dag_id]}, headers={"X-Business-Domain": "other"}
        )

    assert response.json() == {"changed": 0}
