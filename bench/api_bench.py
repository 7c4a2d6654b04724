"""API throughput and latency of the real server process, on demand (not part of the tests).

    .venv/bin/python -m bench.api_bench                    # embedded default (SQLite)
    .venv/bin/python -m bench.api_bench --backend mongo    # MongoDB wire protocol (secantusdb)

Seeds 10,000 DAGs through the API, then runs closed-loop load (concurrency 50, 10 s) on
`GET /dags/{id}` and `GET /dags?limit=50`, several rounds, and prints each round and the median.
The load generator (bench/load.py: plain asyncio keep-alive connections) runs on the same
2 cores as the server, so figures are a lower bound. Seeding goes through httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics

import httpx

from bench.load import LoadResult, closed_loop
from bench.server import BACKENDS, bench_server
from tests.documents import dag_document


async def seed(api: str, count: int, concurrency: int = 32) -> list[str]:
    ids: list[str] = []
    async with httpx.AsyncClient(timeout=30) as client:
        queue = iter(range(count))

        async def worker() -> None:
            for n in queue:
                response = await client.post(f"{api}/dags", json=dag_document(title=f"bench {n}"))
                response.raise_for_status()
                ids.append(response.json()["id"])

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ids


def median_result(results: list[LoadResult]) -> str:
    return (
        f"median of {len(results)}: {statistics.median(r.per_second for r in results):.0f} req/s, "
        f"p50 {statistics.median(r.p50_ms for r in results):.2f} ms, "
        f"p99 {statistics.median(r.p99_ms for r in results):.2f} ms"
    )


async def measure(api: str, ids: list[str], args: argparse.Namespace) -> None:
    shuffled = random.sample(ids, len(ids))
    scenarios = {
        "GET /dags/{id}": lambda i: f"{api}/dags/{shuffled[i % len(shuffled)]}",
        "GET /dags?limit=50": lambda i: f"{api}/dags?limit=50&page={i % 200}",
    }
    for name, url_of in scenarios.items():
        await closed_loop(url_of, concurrency=args.concurrency, seconds=2)  # warm-up
        results = []
        for _ in range(args.rounds):
            result = await closed_loop(url_of, concurrency=args.concurrency, seconds=args.seconds)
            print(result.line(name), flush=True)
            results.append(result)
        print(f"{name}: {median_result(results)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--dags", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with bench_server(args.backend) as server:
        print(f"backend {args.backend}; seeding {args.dags} DAGs ...", flush=True)
        ids = asyncio.run(seed(server.api, args.dags))
        asyncio.run(measure(server.api, ids, args))


if __name__ == "__main__":
    main()
