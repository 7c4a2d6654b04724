"""Real services the tests talk to, and what happens when one is missing.

Outside CI a missing service skips its tests with the reason; with
FLOWAUTO_REQUIRE_SERVICES=1 (set by .ci/run) it fails them instead.
"""

from __future__ import annotations

import os
import socket

import pytest

MARIADB_HOST = os.environ.get("FLOWAUTO_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("FLOWAUTO_TEST_MARIADB_PORT", "3306"))


def services_required() -> bool:
    return os.environ.get("FLOWAUTO_REQUIRE_SERVICES", "") == "1"


def service_missing(reason: str) -> None:
    """Fails (CI) or skips (elsewhere) the calling test."""
    if services_required():
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
