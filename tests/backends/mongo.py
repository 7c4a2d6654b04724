"""Fixtures for the MongoDB wire-protocol backend: a `secantusdb` server (a dev dependency)
started once per session on a free port; each test gets a fresh database."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymongo
import pytest
from pymongo import AsyncMongoClient

from flowauto.driven_adapters.mongo.client import create_mongo_client
from flowauto.driven_adapters.mongo.dag_repository import MongoDagRepository
from flowauto.driven_adapters.mongo.run_repository import MongoRunRepository
from tests.services import free_port, service_missing

START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class MongoServer:
    url: str
    """The base URL, `mongodb://127.0.0.1:PORT`."""
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def secantus_server(storage: Path) -> Iterator[MongoServer]:
    """Runs a secantusdb server on a free port until the block ends."""
    executable = shutil.which("secantusd-py", path=str(Path(sys.executable).parent))
    if executable is None:
        raise RuntimeError("secantusd-py is not installed (pip install secantusdb==0.7.0b3)")
    port = free_port()
    process = subprocess.Popen(
        [
            executable,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(storage),
            "--log-level",
            "WARNING",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = MongoServer(url=f"mongodb://127.0.0.1:{port}", process=process)
    try:
        _wait_until_it_answers(server.url, process)
        yield server
    finally:
        server.stop()


def _wait_until_it_answers(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"secantusd-py exited with {process.returncode}: {error}")
        try:
            with pymongo.MongoClient(url, serverSelectionTimeoutMS=300) as client:
                client.admin.command("ping")
                return
        except pymongo.errors.PyMongoError:
            time.sleep(0.1)
    raise RuntimeError(f"secantusd-py did not answer within {START_TIMEOUT_S} s")


@pytest.fixture(scope="session")
def mongo_url() -> Iterator[str]:
    storage = Path(tempfile.mkdtemp(prefix="flowauto-secantus-"))
    try:
        with secantus_server(storage) as server:
            yield server.url
    except RuntimeError as error:
        service_missing(f"MongoDB wire-protocol server: {error}")
    finally:
        shutil.rmtree(storage, ignore_errors=True)


@pytest.fixture
async def mongo_client(mongo_url: str) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    """A client whose default database is new for this test (dropped at the end)."""
    name = f"flowauto_test_{uuid.uuid4().hex[:12]}"
    client = create_mongo_client(f"{mongo_url}/{name}")
    yield client
    await client.drop_database(name)
    await client.close()


@pytest.fixture
async def mongo_dag_repository(
    mongo_client: AsyncMongoClient[dict[str, Any]],
) -> MongoDagRepository:
    repository = MongoDagRepository.of_client(mongo_client)
    await repository.ensure_indexes()
    return repository


@pytest.fixture
async def mongo_run_store(
    mongo_client: AsyncMongoClient[dict[str, Any]],
) -> MongoRunRepository:
    store = MongoRunRepository.of_client(mongo_client)
    await store.ensure_indexes()
    return store
