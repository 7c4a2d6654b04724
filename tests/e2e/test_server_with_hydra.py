"""The real server in auth mode `hydra` against the Hydra stand-in, and the CLI with a token."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from flowauto.cli import main as cli
from tests.backends.hydra import MockHydra
from tests.documents import dag_document
from tests.e2e.server_process import running_server


def test_a_public_host_serves_only_callers_with_an_active_token(
    tmp_path: Path, mock_hydra: MockHydra
) -> None:
    env = {"FLOWAUTO_AUTH__MODE": "hydra", "FLOWAUTO_HYDRA__ADMIN_URL": mock_hydra.url}
    token = mock_hydra.mint("ann", {"name": "Ann"})
    bearer = {"Authorization": f"Bearer {token}"}
    with running_server(tmp_path, env=env, extra_args=["--host", "0.0.0.0"]) as server:
        assert httpx.get(f"{server.api}/dags").status_code == 401
        expired = mock_hydra.mint("ann", ttl=0)
        refused = httpx.get(f"{server.api}/dags", headers={"Authorization": f"Bearer {expired}"})
        assert refused.status_code == 401
        created = httpx.post(f"{server.api}/dags", json=dag_document(), headers=bearer)
        assert created.status_code == 201
        dag = httpx.get(f"{server.api}/dags/{created.json()['id']}", headers=bearer).json()
        assert dag["userid"] == "ann"
        # `--token=` form: a token may start with "-", which argparse would take for an option.
        follow = ["run", dag["id"], "--follow", "--server", server.public_url, f"--token={token}"]
        code = cli(follow)
        assert code == 0
        assert cli(["dag", "export", dag["id"], "--server", server.public_url]) == 5


def test_hydra_mode_without_its_admin_url_is_refused_with_a_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flowauto", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"FLOWAUTO_DATA_DIR": str(tmp_path), "FLOWAUTO_AUTH__MODE": "hydra", "PATH": ""},
    )
    assert result.returncode == 2
    assert "FLOWAUTO_HYDRA__ADMIN_URL" in result.stderr
    assert "Traceback" not in result.stderr
