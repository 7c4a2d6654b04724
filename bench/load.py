"""A small closed-loop HTTP load generator: N concurrent clients for a fixed time."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def line(self, name: str) -> str:
        return (
            f"{name:<28} {self.per_second:8.0f} req/s  p50 {self.p50_ms:6.2f} ms  "
            f"p99 {self.p99_ms:6.2f} ms  ({self.requests} requests, {self.errors} errors)"
        )


async def closed_loop(
    url_of: Callable[[int], str], *, concurrency: int, seconds: float
) -> LoadResult:
    """Each of `concurrency` clients sends GET url_of(i) again as soon as it is answered."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:
        deadline = time.perf_counter() + seconds

        async def worker(worker_id: int) -> None:
            nonlocal errors
            i = worker_id
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(url_of(i))
                latencies.append(time.perf_counter() - started)
                errors += response.status_code != 200
                i += concurrency

        started = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=elapsed,
        p50_ms=quantiles[49] * 1000,
        p99_ms=quantiles[98] * 1000,
    )
