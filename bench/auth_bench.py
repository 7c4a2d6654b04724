"""What auth mode `hydra` costs per request, on demand (not part of the tests).

    .venv/bin/python -m bench.auth_bench

Starts the Hydra stand-in (`mock_server`) and measures `HydraAuthenticator.authenticate`:
- cold: a token never seen before, so every call introspects over HTTP (a keep-alive
  connection to the stand-in on the same machine: a lower bound for a real Hydra);
- warm: the same token again, answered by the cache (in-process, then Redis when reachable).
Also the same through the public API: `GET /dags` on a server in mode `none` against mode
`hydra` with a warm cache. Medians of N calls.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx

from flowauto.driven_adapters.hydra.authenticator import HydraAuthenticator
from flowauto.driven_adapters.in_memory.token_cache import InMemoryTokenCache
from flowauto.driven_adapters.redis.lock_manager import create_redis_client
from flowauto.driven_adapters.redis.token_cache import RedisTokenCache
from flowauto.driven_adapters.system_clock import SystemClock
from flowauto.ports.token_cache import TokenCache
from tests.backends.hydra import MockHydra, running_mock_hydra
from tests.e2e.server_process import running_server
from tests.services import port_open

REDIS_URL = "redis://127.0.0.1:6379/14"


async def median_ms(call: Callable[[], Awaitable[object]], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def authenticator_figures(
    mock: MockHydra, cache: TokenCache, rounds: int
) -> dict[str, float]:
    clock = SystemClock()
    auth = HydraAuthenticator(admin_url=mock.url, cache=cache, clock=clock)
    tokens = [mock.mint(f"bench-{uuid.uuid4().hex[:8]}") for _ in range(rounds)]
    fresh = iter(tokens)
    try:
        cold = await median_ms(lambda: auth.authenticate(f"Bearer {next(fresh)}", "d"), rounds)
        warm = await median_ms(lambda: auth.authenticate(f"Bearer {tokens[0]}", "d"), rounds)
    finally:
        await auth.close()
    return {"cold_ms": cold, "warm_ms": warm}


def api_median_ms(url: str, headers: dict[str, str], rounds: int) -> float:
    with httpx.Client(headers=headers) as client:
        client.get(url)
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def api_figures(mock: MockHydra, rounds: int) -> dict[str, float]:
    token = mock.mint("bench-api", {"roles": ["admin"]})
    hydra = {"FLOWAUTO_AUTH__MODE": "hydra", "FLOWAUTO_HYDRA__ADMIN_URL": mock.url}
    figures = {}
    with TemporaryDirectory() as data, running_server(Path(data)) as server:
        figures["api_none_ms"] = api_median_ms(f"{server.api}/dags", {}, rounds)
    with TemporaryDirectory() as data, running_server(Path(data), env=hydra) as server:
        bearer = {"Authorization": f"Bearer {token}"}
        figures["api_hydra_warm_ms"] = api_median_ms(f"{server.api}/dags", bearer, rounds)
    return figures


async def main(rounds: int) -> None:
    with running_mock_hydra() as mock:
        memory = await authenticator_figures(mock, InMemoryTokenCache(SystemClock()), rounds)
        print(f"in-process cache: cold p50 {memory['cold_ms']:.3f} ms, "
              f"warm p50 {memory['warm_ms']:.4f} ms")  # fmt: skip
        if port_open("127.0.0.1", 6379):
            client = create_redis_client(REDIS_URL)
            cache = RedisTokenCache(client, key_prefix=f"bench:{uuid.uuid4().hex[:8]}:")
            shared = await authenticator_figures(mock, cache, rounds)
            await client.aclose()
            print(f"Redis cache:      cold p50 {shared['cold_ms']:.3f} ms, "
                  f"warm p50 {shared['warm_ms']:.3f} ms")  # fmt: skip
        api = api_figures(mock, rounds)
        print(f"GET /dags p50: mode none {api['api_none_ms']:.3f} ms, "
              f"mode hydra (warm) {api['api_hydra_warm_ms']:.3f} ms")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=500)
    asyncio.run(main(parser.parse_args().rounds))
