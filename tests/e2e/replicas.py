"""Several `flowauto serve` processes sharing MariaDB and Redis: one server, many replicas."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pymysql
import redis

from tests.e2e.server_process import RunningServer, running_server
from tests.engine import manual, step
from tests.local_http import LocalHttp
from tests.services import MARIADB_HOST, MARIADB_PORT

REDIS_URL = "redis://127.0.0.1:6379/14"
TERMINAL = ("success", "failed", "canceled")


@contextmanager
def shared_database() -> Iterator[str]:
    """A fresh MariaDB database for the replicas, dropped afterwards."""
    name = f"flowauto_e2e_{uuid.uuid4().hex[:12]}"
    admin = pymysql.connect(host=MARIADB_HOST, port=MARIADB_PORT, user="root", password="")
    with admin, admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield f"mysql+aiomysql://root:@{MARIADB_HOST}:{MARIADB_PORT}/{name}"
    finally:
        admin = pymysql.connect(host=MARIADB_HOST, port=MARIADB_PORT, user="root", password="")
        with admin, admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def replica_env(database_url: str, index: int, kafka: str = "") -> dict[str, str]:
    return {
        "FLOWAUTO_KAFKA__BOOTSTRAP_SERVERS": kafka,
        "FLOWAUTO_DOCUMENT_STORE__URL": database_url,
        "FLOWAUTO_SQL__URL": database_url,
        "FLOWAUTO_REDIS__URL": REDIS_URL,
        "FLOWAUTO_HTTP__ALLOW_HOSTS": "127.0.0.1",
        "FLOWAUTO_ENGINE__WORKER": f"replica-{index}",
        "FLOWAUTO_SCHEDULER__REFRESH_MS": "500",
    }


def start_replica(
    stack: ExitStack, root: Path, database_url: str, index: int, kafka: str = ""
) -> RunningServer:
    env = replica_env(database_url, index, kafka)
    return stack.enter_context(running_server(root / f"replica-{index}", env))


@contextmanager
def replicas(
    root: Path, count: int, kafka: str = ""
) -> Iterator[tuple[ExitStack, str, list[RunningServer]]]:
    """`count` replicas started one after another (each migrates the shared schema); with
    `kafka`, their event bus is that broker."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    with shared_database() as database_url, ExitStack() as stack:
        servers = [start_replica(stack, root, database_url, i, kafka) for i in range(count)]
        yield stack, database_url, servers


def create_dag(
    server: RunningServer, title: str, *steps: dict[str, Any], trigger: Any = None
) -> str:
    body = {"title": title, "steps": [trigger or manual(), *steps]}
    response = httpx.post(f"{server.api}/dags", json=body, timeout=30)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def hit(counter: LocalHttp, step_id: str, sleep_ms: int) -> dict[str, Any]:
    url = f"{counter.url}/hit/{{{{__run.id}}}}/{step_id}?sleep_ms={sleep_ms}"
    return step(step_id, "@internal/http/request", method="GET", url=url)


def statuses(server: RunningServer, run_ids: Iterable[str], timeout_s: float) -> dict[str, str]:
    pending, found = set(run_ids), {}
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=30) as client:
        while pending and time.monotonic() < deadline:
            for run_id in list(pending):
                status = client.get(f"{server.api}/instances/{run_id}").json()["status"]
                if status in TERMINAL:
                    found[run_id] = status
                    pending.discard(run_id)
            time.sleep(0.1)
    assert not pending, f"{len(pending)} runs did not finish"
    return found
