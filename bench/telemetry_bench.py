"""What metrics and tracing cost the engine, on demand (not part of the tests).

    .venv/bin/python -m bench.telemetry_bench

Runs the engine bench's chain of 20 no-op steps (client-measured trigger->success) and
sustained 3-step runs per second twice on the embedded default: telemetry off (metrics
disabled, no OTLP endpoint) and on (Prometheus metrics, spans exported by the OTLP/HTTP
exporter to a loopback sink). Rounds alternate off/on so machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

from bench.engine_bench import chain, create, latency, throughput
from bench.server import bench_server
from tests.local_http import local_http_server


async def one_round(mode: str, env: dict[str, str], args: argparse.Namespace) -> tuple[float, str]:
    with bench_server("sqlite", env) as server:
        chain20 = create(server, "chain20", chain(20))
        three = create(server, "three", chain(3))
        await latency(server, chain20, 5)
        client, _ = await latency(server, chain20, args.rounds)
        line = await throughput(server, three, args.seconds, args.concurrency)
    print(f"{mode}: chain20 median {client:.2f} ms; 3-step runs: {line}", flush=True)
    return client, line


async def main(args: argparse.Namespace) -> None:
    with local_http_server() as sink:
        every = {
            "off": {"FLOWAUTO_METRICS__ENABLED": "false"},
            "on": {"FLOWAUTO_METRICS__ENABLED": "true", "FLOWAUTO_OTEL__ENDPOINT": sink.url},
            "metrics": {"FLOWAUTO_METRICS__ENABLED": "true"},
            "tracing": {"FLOWAUTO_METRICS__ENABLED": "false", "FLOWAUTO_OTEL__ENDPOINT": sink.url},
            "on-sampled": {
                "FLOWAUTO_METRICS__ENABLED": "true",
                "FLOWAUTO_OTEL__ENDPOINT": sink.url,
                "FLOWAUTO_OTEL__SAMPLE_RATIO": "0.1",
            },
        }
        modes = {name: every[name] for name in args.modes.split(",")}
        chains: dict[str, list[float]] = {mode: [] for mode in modes}
        for _ in range(args.pairs):
            for mode, env in modes.items():
                client, _ = await one_round(mode, env, args)
                chains[mode].append(client)
        spans = sink.calls["/v1/traces"]
    medians = {mode: f"{statistics.median(chains[mode]):.2f} ms" for mode in chains}
    print(f"chain20 median of medians: {medians}; OTLP export calls received: {spans}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--modes", default="off,on", help="of off,on,metrics,tracing,on-sampled")
    asyncio.run(main(parser.parse_args()))
