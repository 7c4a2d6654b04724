"""The real server process over real sockets, on the embedded default (SQLite)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.documents import dag_document
from tests.e2e.server_process import running_server, stop


def test_dags_survive_a_restart_and_sigterm_stops_cleanly(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        created = httpx.post(f"{server.api}/dags", json=dag_document(title="Durable"))
        assert created.status_code == 201
        dag_id = created.json()["id"]
        assert stop(server) == 0

    with running_server(tmp_path) as server:
        document = httpx.get(f"{server.api}/dags/{dag_id}").json()
        ready = httpx.get(f"{server.private_url}/health/ready").json()
        schema = httpx.get(f"{server.public_url}/schema/openapi.json")

    assert document["title"] == "Durable"
    assert "sql" in ready["checked"]
    assert schema.status_code == 200
    assert (tmp_path / "flowauto.db").exists()


def test_auth_none_refuses_a_public_host_that_is_not_loopback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flowauto", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"FLOWAUTO_DATA_DIR": str(tmp_path), "PATH": ""},
    )

    assert result.returncode == 2
    assert "loopback" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_is_idempotent_and_version_prints(tmp_path: Path) -> None:
    env = {"FLOWAUTO_DATA_DIR": str(tmp_path)}
    for _ in range(2):
        migrate = subprocess.run(
            [sys.executable, "-m", "flowauto", "migrate"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert migrate.returncode == 0, migrate.stderr
    version = subprocess.run(
        [sys.executable, "-m", "flowauto", "version"], capture_output=True, text=True, timeout=60
    )
    assert version.stdout.strip() == "0.1.0"


def test_a_process_without_the_api_role_serves_only_the_private_port(tmp_path: Path) -> None:
    with running_server(tmp_path, extra_args=["--roles", "worker,scheduler"]) as server:
        alive = httpx.get(f"{server.private_url}/health/alive")
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.api}/dags")

    assert alive.status_code == 200


def test_unknown_roles_are_refused_with_a_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flowauto", "serve", "--roles", "api,cook"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"FLOWAUTO_DATA_DIR": str(tmp_path)},
    )

    assert result.returncode == 2
    assert "--roles" in result.stderr
