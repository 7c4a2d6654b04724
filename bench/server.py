"""The server process a benchmark measures, on the embedded default or on MongoDB."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from tests.e2e.server_process import RunningServer, running_server

BACKENDS = ["sqlite", "mongo"]


@contextmanager
def bench_server(backend: str, env: dict[str, str] | None = None) -> Iterator[RunningServer]:
    """`mongo` starts a secantusdb server (a Python implementation of the wire protocol)
    for the document store; figures on it measure that server as much as flowauto."""
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        env = dict(env or {})
        if backend == "mongo":
            from tests.backends.mongo import secantus_server

            mongo = stack.enter_context(secantus_server(data_dir / "mongo"))
            env["FLOWAUTO_DOCUMENT_STORE__URL"] = f"{mongo.url}/flowauto_bench"
        yield stack.enter_context(running_server(data_dir, env))
