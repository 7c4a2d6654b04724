"""Engine speed and memory on the real server process, on demand (not part of the tests).

    .venv/bin/python -m bench.engine_bench                    # embedded default (SQLite)
    .venv/bin/python -m bench.engine_bench --backend mongo    # MongoDB wire protocol (secantusdb)

Figures (each a median of several rounds):
- chain of 20 no-op steps, trigger -> success, measured by the client (POST, then GET until
  done on the same keep-alive connection);
- fan-out of 200 no-op steps (a parallel step with 200 branches), the same way;
- per-step overhead: server-side run duration of a 100-step chain / 100;
- sustained 3-step runs per second: C connections POST runs for N seconds (closed loop); a run
  counts when it ended inside the window; trigger -> done = server end time - client send time;
- RSS of the server with 10,000 runs blocked on approvals.
Client and server share the machine's 2 cores: figures are a lower bound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from bench.load import Connection
from bench.server import BACKENDS, bench_server
from tests.e2e.server_process import RunningServer
from tests.local_http import local_http_server

NOOP = "@internal/json/get"
TERMINAL = ("success", "failed", "canceled")


def noop(step_id: str) -> dict[str, Any]:
    return {"id": step_id, "operator": NOOP, "parameters": {"value": {"n": 1}, "path": "n"}}


def chain(length: int) -> list[dict[str, Any]]:
    return [noop(str(i)) for i in range(2, length + 2)]


def http_chain(length: int, url: str) -> list[dict[str, Any]]:
    parameters = {"method": "GET", "url": url}
    return [{"id": str(i), "operator": "@internal/http/request", "parameters": parameters}
            for i in range(2, length + 2)]  # fmt: skip


def fan_out(width: int) -> list[dict[str, Any]]:
    branches = [{"id": f"b{i}", "steps": [noop(str(1000 + i))]} for i in range(width)]
    return [{"id": "2", "operator": "@control/flow/parallel", "branches": branches}]


def approval() -> list[dict[str, Any]]:
    return [
        {"id": "2", "operator": "@workflow/approval", "parameters": {"title": "t", "contents": []}}
    ]


def create(server: RunningServer, title: str, steps: list[dict[str, Any]]) -> str:
    trigger = {"id": "1", "operator": "@trigger/manual", "parameters": {}}
    body = {"title": title, "steps": [trigger, *steps]}
    response = httpx.post(f"{server.api}/dags", json=body, timeout=30)
    response.raise_for_status()
    return str(response.json()["id"])


class Api:
    def __init__(self, server: RunningServer, connection: Connection) -> None:
        self._host = server.public_url.removeprefix("http://")
        self._prefix = "/api/automation/v1"
        self._connection = connection

    async def start(self, dag_id: str) -> str:
        status, body = await self._connection.request(
            "POST", self._host, f"{self._prefix}/dags/{dag_id}/run", b"{}"
        )
        assert status == 201, body
        return str(json.loads(body)["id"])

    async def run(self, run_id: str) -> dict[str, Any]:
        status, body = await self._connection.request(
            "GET", self._host, f"{self._prefix}/instances/{run_id}"
        )
        assert status == 200, body
        return dict(json.loads(body))

    async def until_done(self, run_id: str) -> dict[str, Any]:
        while True:
            run = await self.run(run_id)
            if run["status"] in TERMINAL:
                assert run["status"] == "success", run
                return run


async def latency(server: RunningServer, dag_id: str, rounds: int) -> tuple[float, float]:
    """Median client-side trigger -> success, and median server-side run duration (ms)."""
    api = Api(server, await Connection.open(server.public_url))
    client, inside = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        run = await api.until_done(await api.start(dag_id))
        client.append((time.perf_counter() - started) * 1000)
        inside.append(float(run["duration_ms"]))
    return statistics.median(client), statistics.median(inside)


async def throughput(server: RunningServer, dag_id: str, seconds: float, concurrency: int) -> str:
    sent: dict[str, float] = {}

    async def worker(deadline: float) -> None:
        api = Api(server, await Connection.open(server.public_url))
        while time.time() < deadline:
            at = time.time()
            sent[await api.start(dag_id)] = at

    window_start = time.time()
    window_end = window_start + seconds
    await asyncio.gather(*(worker(window_end) for _ in range(concurrency)))
    api = Api(server, await Connection.open(server.public_url))
    latencies, inside = [], 0
    for run_id, at in sent.items():
        run = await api.until_done(run_id)
        latencies.append(run["ended_ms"] - at * 1000)
        inside += run["ended_ms"] <= window_end * 1000
    q = statistics.quantiles(latencies, n=100)
    return (f"{inside / seconds:.0f} runs/s done in the window ({len(sent)} started), "
            f"trigger->done p50 {q[49]:.1f} ms p99 {q[98]:.1f} ms")  # fmt: skip


def rss_mb(server: RunningServer) -> float:
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def blocked_rss(server: RunningServer, count: int) -> str:
    dag_id = create(server, "approvals", approval())
    before = rss_mb(server)
    queue = iter(range(count))
    run_ids: list[str] = []

    async def worker() -> None:
        api = Api(server, await Connection.open(server.public_url))
        for _ in queue:
            run_ids.append(await api.start(dag_id))

    await asyncio.gather(*(worker() for _ in range(16)))
    api = Api(server, await Connection.open(server.public_url))
    for run_id in run_ids:
        while (await api.run(run_id))["status"] != "blocked":  # noqa: ASYNC110 (polls the server)
            await asyncio.sleep(0.01)
    return f"RSS {before:.0f} MB idle -> {rss_mb(server):.0f} MB with {count} blocked runs"


async def measure(server: RunningServer, args: argparse.Namespace) -> None:
    chain20, wide, chain100 = (create(server, name, steps) for name, steps in
                               [("chain20", chain(20)), ("fan-out", fan_out(200)),
                                ("chain100", chain(100))])  # fmt: skip
    await latency(server, chain20, 5)  # warm-up
    for name, dag_id in (("chain of 20 no-op steps", chain20), ("fan-out of 200", wide)):
        client, inside = await latency(server, dag_id, args.rounds)
        print(f"{name}: trigger->success median {client:.1f} ms (run itself {inside:.1f} ms)")
    _, inside = await latency(server, chain100, args.rounds)
    print(f"per-step overhead (100-step chain): median {inside / 100:.3f} ms per step")
    with local_http_server() as loopback:
        calls = create(server, "http chain", http_chain(20, f"{loopback.url}/ok"))
        _, inside = await latency(server, calls, args.rounds)
        print(f"steps with effects (20 HTTP calls to a loopback server): median "
              f"{inside / 20:.2f} ms per step, the call and its write included")  # fmt: skip
    three = create(server, "three steps", chain(3))
    for concurrency in (int(c) for c in args.concurrency.split(",")):
        for round_ in range(args.throughput_rounds):
            line = await throughput(server, three, args.seconds, concurrency)
            print(f"3-step runs, {concurrency} clients, round {round_ + 1}: {line}", flush=True)
    print(await blocked_rss(server, args.blocked))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--throughput-rounds", type=int, default=3)
    parser.add_argument(
        "--concurrency", default="4,16", help="comma-separated client counts (closed loops)"
    )
    parser.add_argument("--blocked", type=int, default=10_000)
    args = parser.parse_args()
    with bench_server(args.backend, {"FLOWAUTO_HTTP__ALLOW_HOSTS": "127.0.0.1"}) as server:
        print(f"backend {args.backend}", flush=True)
        asyncio.run(measure(server, args))


if __name__ == "__main__":
    main()
