"""Runs `flowauto serve` as a real process on free ports, for end-to-end tests and benches."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.services import free_port


@dataclass(frozen=True)
class RunningServer:
    process: subprocess.Popen[bytes]
    public_url: str
    private_url: str
    log_path: Path
    """The server's stdout and stderr go to a file: a pipe nobody reads would fill up and
    block the server on its next log line."""

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def api(self) -> str:
        return f"{self.public_url}/api/automation/v1"


@contextmanager
def running_server(
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    ready_timeout_s: float = 30.0,
    extra_args: Sequence[str] = (),
) -> Iterator[RunningServer]:
    """Starts the server, waits until /health/ready answers 200, stops it with SIGTERM."""
    public_port, private_port = free_port(), free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / f"server-{public_port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flowauto",
            "serve",
            "--public-port",
            str(public_port),
            "--private-port",
            str(private_port),
            *extra_args,
        ],
        env={
            **os.environ,
            "FLOWAUTO_DATA_DIR": str(data_dir),
            "FLOWAUTO_LOG__LEVEL": "WARNING",
            **(env or {}),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    server = RunningServer(
        process, f"http://127.0.0.1:{public_port}", f"http://127.0.0.1:{private_port}", log_path
    )
    try:
        _wait_ready(server, ready_timeout_s)
        yield server
    finally:
        stop(server)


def stop(server: RunningServer, timeout_s: float = 15.0) -> int:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


def _wait_ready(server: RunningServer, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = server.output()
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{output}")
        try:
            if httpx.get(f"{server.private_url}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server was not ready within {timeout_s} s")
