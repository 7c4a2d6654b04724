"""The distributed profile on demand: one API process and 1 or 2 worker processes sharing
a document store, MariaDB, Redis and Kafka (all local; not part of the tests).

    .venv/bin/python -m bench.distributed_bench                    # MongoDB wire (secantusdb)
    .venv/bin/python -m bench.distributed_bench --documents mariadb

The API process has roles api,scheduler (it stores runs; it drives none); workers have the
worker role only and claim runs from the store (poll 50 ms here). Figures per worker count:
per-step overhead (server-side duration of a 50-step chain / 50, and of a 10-step chain of
HTTP calls to a loopback server / 10) and 3-step runs per second over C closed-loop clients.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.engine_bench import chain, create, http_chain, latency, throughput
from tests.backends.kafka import tansu_binary, tansu_broker
from tests.e2e.replicas import shared_database
from tests.e2e.server_process import RunningServer, running_server
from tests.local_http import local_http_server


def shared_env(stack: ExitStack, root: Path, documents: str) -> dict[str, str]:
    sql_url = stack.enter_context(shared_database())
    kafka_log = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (the stack closes it)
    kafka = stack.enter_context(tansu_broker(tansu_binary(), kafka_log))
    document_url = sql_url
    if documents == "mongo":
        from tests.backends.mongo import secantus_server

        document_url = f"{stack.enter_context(secantus_server(root / 'mongo')).url}/bench"
    return {
        "FLOWAUTO_DOCUMENT_STORE__URL": document_url,
        "FLOWAUTO_SQL__URL": sql_url,
        "FLOWAUTO_REDIS__URL": "redis://127.0.0.1:6379/13",
        "FLOWAUTO_KAFKA__BOOTSTRAP_SERVERS": kafka,
        "FLOWAUTO_HTTP__ALLOW_HOSTS": "127.0.0.1",
        "FLOWAUTO_ENGINE__POLL_MS": "50",
    }


def start(
    stack: ExitStack, root: Path, env: dict[str, str], name: str, roles: str
) -> RunningServer:
    own = {**env, "FLOWAUTO_ENGINE__WORKER": name, "FLOWAUTO_NODE_ID": str(abs(hash(name)) % 1000)}
    return stack.enter_context(running_server(root / name, own, extra_args=["--roles", roles]))


async def measure(api: RunningServer, workers: int, args: argparse.Namespace) -> None:
    with local_http_server() as loopback:
        pure = create(api, f"pure {workers}", chain(50))
        calls = create(api, f"http {workers}", http_chain(10, f"{loopback.url}/ok"))
        three = create(api, f"three {workers}", chain(3))
        await latency(api, pure, 3)  # warm-up
        _, inside = await latency(api, pure, args.rounds)
        print(f"{workers} worker(s): pure steps {inside / 50:.3f} ms per step", flush=True)
        _, inside = await latency(api, calls, args.rounds)
        print(f"{workers} worker(s): HTTP steps {inside / 10:.2f} ms per step", flush=True)
        line = await throughput(api, three, args.seconds, args.concurrency)
        print(f"{workers} worker(s): 3-step runs: {line}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", choices=["mongo", "mariadb"], default="mongo")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    for workers in (1, 2):
        with ExitStack() as stack:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            env = shared_env(stack, root, args.documents)
            api = start(stack, root, env, "api", "api,scheduler")
            for index in range(workers):
                start(stack, root, env, f"worker-{index}", "worker")
            asyncio.run(measure(api, workers, args))


if __name__ == "__main__":
    main()
