"""Where the mock server listens and which OAuth2 clients it knows.

Flags win over the environment (`MOCK_SERVER_HOST`, `MOCK_SERVER_PORT`,
`MOCK_SERVER_CLIENTS="id1:secret1,id2:secret2"`), which wins over the defaults.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
# Hydra's admin port: a FLOWAUTO_HYDRA__ADMIN_URL written for a real Hydra also fits the mock.
DEFAULT_PORT = 4445


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientCredentials:
    client_id: str
    client_secret: str


DEFAULT_CLIENTS = (
    ClientCredentials(client_id="flowauto-test", client_secret="flowauto-test-secret"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MockServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    clients: tuple[ClientCredentials, ...] = DEFAULT_CLIENTS


def parse_client(spec: str) -> ClientCredentials:
    """Reads `ID:SECRET`; the secret may itself contain colons."""
    client_id, colon, secret = spec.strip().partition(":")
    if not colon or not client_id or not secret:
        # The spec is not echoed: it may hold a secret.
        raise argparse.ArgumentTypeError("a client must be written ID:SECRET, both non-empty")
    return ClientCredentials(client_id=client_id, client_secret=secret)


def parse_port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number, not {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 1 and 65535, not {port}")
    return port


def parse_config(argv: Sequence[str] | None, environ: Mapping[str, str]) -> MockServerConfig:
    """Exits with status 2 and a usage message when a flag or variable is malformed."""
    parser = _argument_parser(environ)
    args = parser.parse_args(argv)
    clients: list[ClientCredentials] | None = args.client
    if clients is None:
        clients = _clients_from_environment(parser, environ.get("MOCK_SERVER_CLIENTS", ""))
    return MockServerConfig(
        host=args.host, port=args.port, clients=tuple(clients) or DEFAULT_CLIENTS
    )


def _argument_parser(environ: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mock_server",
        description="A Hydra-compatible OAuth2 server and user directory for local use.",
    )
    parser.add_argument(
        "--host",
        default=environ.get("MOCK_SERVER_HOST", DEFAULT_HOST),
        help=f"address to listen on (env MOCK_SERVER_HOST, default {DEFAULT_HOST})",
    )
    # argparse applies `type` to a string default too, so a bad MOCK_SERVER_PORT is reported.
    parser.add_argument(
        "--port",
        type=parse_port,
        default=environ.get("MOCK_SERVER_PORT", str(DEFAULT_PORT)),
        help=f"port to listen on (env MOCK_SERVER_PORT, default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--client",
        action="append",
        type=parse_client,
        metavar="ID:SECRET",
        help="an OAuth2 client allowed the client-credentials grant (repeatable; replaces "
        "env MOCK_SERVER_CLIENTS=id1:secret1,id2:secret2; default flowauto-test)",
    )
    return parser


def _clients_from_environment(
    parser: argparse.ArgumentParser, value: str
) -> list[ClientCredentials]:
    try:
        return [parse_client(spec) for spec in value.split(",") if spec.strip()]
    except argparse.ArgumentTypeError as error:
        parser.error(f"MOCK_SERVER_CLIENTS: {error}")
