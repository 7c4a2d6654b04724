"""Fixture for the Hydra stand-in: `python -m mock_server` (from the repository root),
started once per session on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from tests.services import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class MockHydra:
    """A running mock: `url` is what FLOWAUTO_HYDRA__ADMIN_URL would be set to."""

    url: str
    _log: IO[bytes] = field(repr=False)

    def mint(self, sub: str, ext: dict[str, Any] | None = None, ttl: int = 3600) -> str:
        """A user token for `sub`, as if they had logged in; ttl <= 0 gives an expired one."""
        response = httpx.post(
            f"{self.url}/mock/tokens",
            json={"sub": sub, "ext": ext or {}, "ttl": ttl},
            timeout=REQUEST_TIMEOUT_S,
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def introspections(self) -> int:
        """How many introspection calls the mock has answered since it started (or reset)."""
        response = httpx.get(f"{self.url}/mock/stats", timeout=REQUEST_TIMEOUT_S)
        response.raise_for_status()
        return int(response.json()["introspections"])

    def log_text(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")


@contextmanager
def running_mock_hydra(
    *extra_args: str, env: Mapping[str, str] | None = None
) -> Iterator[MockHydra]:
    """Runs the mock until the block ends; `extra_args` and `env` configure it."""
    port = free_port()
    with tempfile.TemporaryFile(prefix="flowauto-mock-hydra-") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "mock_server"),
                *("--host", "127.0.0.1", "--port", str(port)),
                *extra_args,
            ],
            cwd=REPO_ROOT,
            env={**_environment_without_mock_settings(), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            mock = MockHydra(url=f"http://127.0.0.1:{port}", _log=log)
            _wait_until_healthy(mock, process)
            yield mock
        finally:
            _stop(process)


def _environment_without_mock_settings() -> dict[str, str]:
    # A developer's own MOCK_SERVER_CLIENTS must not change the clients the tests expect.
    return {
        name: value for name, value in os.environ.items() if not name.startswith("MOCK_SERVER_")
    }


def _wait_until_healthy(mock: MockHydra, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"mock_server exited with {process.returncode}: {mock.log_text()}", pytrace=False
            )
        try:
            if httpx.get(f"{mock.url}/health", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"mock_server did not answer /health within {START_TIMEOUT_S} s", pytrace=False)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def mock_hydra() -> Iterator[MockHydra]:
    """The Hydra stand-in, shared by the whole session: mint tokens for fresh subjects and
    compare introspection counts before and after, rather than expecting a clean slate."""
    with running_mock_hydra() as mock:
        yield mock
