"""`python -m mock_server`: reads the configuration and serves the app with uvicorn."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import uvicorn

from mock_server.app import create_app
from mock_server.config import parse_config


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_config(argv, os.environ)
    # authlib refuses plain-HTTP request URLs unless they are loopback; the mock is plain HTTP by
    # design, also when it runs in a container and is reached by a service name.
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    # authlib logs issued tokens at DEBUG; tokens must never reach a log.
    logging.getLogger("authlib").setLevel(logging.INFO)
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="info")
    return 0
