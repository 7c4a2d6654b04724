"""A small real HTTP server on loopback for steps to call: counts calls, answers JSON,
can be slow, and redirects on request."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class LocalHttp:
    url: str
    calls: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    finished: Counter[str] = field(default_factory=Counter)
    first_call_at: dict[str, float] = field(default_factory=dict)
    last_call_at: dict[str, float] = field(default_factory=dict)
    fail_first: Counter[str] = field(default_factory=Counter)
    """Paths whose next N calls answer 500."""
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    """The headers of each path's last call (names lower-cased)."""
    """time.monotonic() of each path's first call."""


def _handler(state: LocalHttp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            return

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            with state.lock:
                state.calls[parts.path] += 1
                state.first_call_at.setdefault(parts.path, time.monotonic())
                state.last_call_at[parts.path] = time.monotonic()
                state.headers[parts.path] = {k.lower(): v for k, v in self.headers.items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            if parts.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", query["to"][0])
                self.end_headers()
                return
            with state.lock:
                failing = state.fail_first[parts.path] > 0
                state.fail_first[parts.path] -= failing
            if failing:
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if "sleep_ms" in query:
                time.sleep(int(query["sleep_ms"][0]) / 1000)
            payload = json.dumps({"path": parts.path, "method": self.command, "body": body})
            self.send_response(int(query.get("status", ["200"])[0]))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload.encode())
            with state.lock:
                state.finished[parts.path] += 1

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up (a cancelled step, a killed server) are expected here.
        return


@contextmanager
def local_http_server() -> Iterator[LocalHttp]:
    server = _QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = LocalHttp(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(state)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
