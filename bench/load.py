"""A closed-loop HTTP load generator: N keep-alive connections for a fixed time.

Each connection is a plain asyncio stream speaking HTTP/1.1: httpx's pool collapsed to
~135 req/s at 50 connections on this machine (against an endpoint that answers 1,100 req/s to
one client), so it measured itself, not the server.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit


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


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    async def get(self, host: str, target: str) -> int:
        status, _ = await self.request("GET", host, target)
        return status

    async def request(
        self, method: str, host: str, target: str, body: bytes = b""
    ) -> tuple[int, bytes]:
        """Sends one request; returns the status and the body."""
        head_lines = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\n"
        if body or method in ("POST", "PUT"):
            head_lines += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self._writer.write(head_lines.encode() + b"\r\n" + body)
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = next(
            int(line.split(":", 1)[1])
            for line in lines
            if line.lower().startswith("content-length:")
        )
        return status, await self._reader.readexactly(length)

    def close(self) -> None:
        self._writer.close()

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        return cls(*await asyncio.open_connection(parts.hostname, parts.port))


async def closed_loop(
    url_of: Callable[[int], str], *, concurrency: int, seconds: float
) -> LoadResult:
    """Each of `concurrency` connections sends GET url_of(i) again as soon as it is answered."""
    first = urlsplit(url_of(0))
    host, port = first.hostname or "127.0.0.1", first.port or 80
    latencies: list[float] = []
    errors = 0

    async def worker(worker_id: int, deadline: float) -> None:
        nonlocal errors
        connection = Connection(*await asyncio.open_connection(host, port))
        i = worker_id
        try:
            while time.perf_counter() < deadline:
                parts = urlsplit(url_of(i))
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                started = time.perf_counter()
                status = await connection.get(f"{host}:{port}", target)
                latencies.append(time.perf_counter() - started)
                errors += status != 200
                i += concurrency
        finally:
            connection.close()

    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(worker(n, deadline) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=elapsed,
        p50_ms=quantiles[49] * 1000,
        p99_ms=quantiles[98] * 1000,
    )
