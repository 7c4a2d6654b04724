"""The real server process with its DAGs on the MongoDB wire protocol (secantusdb)."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import httpx

from tests.backends.mongo import secantus_server
from tests.documents import dag_document
from tests.e2e.server_process import RunningServer, running_server
from tests.engine import manual, step


def run_once(server: RunningServer) -> str:
    steps = [manual(), step("2", "@internal/text/join", texts=["a", "{{__1.accessor.id}}"])]
    dag = httpx.post(f"{server.api}/dags", json=dag_document(title="Runs in Mongo", steps=steps))
    run_id = httpx.post(f"{server.api}/dags/{dag.json()['id']}/run", json={}).json()["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = str(httpx.get(f"{server.api}/instances/{run_id}").json()["status"])
        if status in ("success", "failed", "canceled"):
            return status
        time.sleep(0.05)
    return "unfinished"


def test_dags_live_in_mongo_and_readiness_names_it_when_it_goes_down(tmp_path: Path) -> None:
    storage = Path(tempfile.mkdtemp(prefix="flowauto-secantus-e2e-"))
    try:
        with secantus_server(storage) as own_mongo:
            env = {"FLOWAUTO_DOCUMENT_STORE__URL": f"{own_mongo.url}/flowauto_e2e"}
            with running_server(tmp_path, env) as server:
                created = httpx.post(f"{server.api}/dags", json=dag_document(title="In Mongo"))
                dag_id = created.json()["id"]
                listed = httpx.get(f"{server.api}/dags").json()
                ready = httpx.get(f"{server.private_url}/health/ready").json()
                assert created.status_code == 201
                assert [d["id"] for d in listed["dags"]] == [dag_id]
                assert ready["checked"] == ["sql", "mongodb"]
                assert run_once(server) == "success"

                own_mongo.stop()
                not_ready = httpx.get(f"{server.private_url}/health/ready", timeout=30)
                read = httpx.get(f"{server.api}/dags/{dag_id}", timeout=30)

        assert not_ready.status_code == 503
        assert "mongodb" in not_ready.json()["message"]
        assert read.status_code == 503
        assert read.json()["code"] == "unavailable.StoreUnavailable"
    finally:
        shutil.rmtree(storage, ignore_errors=True)
