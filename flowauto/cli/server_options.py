"""Where the client commands find the server and who they are to it: --server, --token,
--biz-domain, each with an environment variable for scripts and CI."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from flowauto.cli.command_error import CommandError, ExitCode

DEFAULT_SERVER = "http://127.0.0.1:8082"
SERVER_ENV = "FLOWAUTO_SERVER"
TOKEN_ENV = "FLOWAUTO_TOKEN"
BIZ_DOMAIN_ENV = "FLOWAUTO_BIZ_DOMAIN"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConnection:
    url: str
    """The server's public base URL, without a trailing slash."""
    token: str = ""
    biz_domain: str = ""


def server_options() -> argparse.ArgumentParser:
    """A parent parser holding the options every client command takes."""
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("server")
    group.add_argument(
        "--server",
        metavar="URL",
        help=f"the public API's base URL (env {SERVER_ENV}, default {DEFAULT_SERVER})",
    )
    # Defaults are read from the environment after parsing, so --help never shows a token.
    group.add_argument("--token", help=f"sent as 'Authorization: Bearer TOKEN' (env {TOKEN_ENV})")
    group.add_argument(
        "--biz-domain",
        metavar="NAME",
        help=f"business domain, sent as X-Business-Domain (env {BIZ_DOMAIN_ENV}; "
        f"the server's default is 'default')",
    )
    return options


def connection_of(args: argparse.Namespace) -> ServerConnection:
    url = (args.server or os.environ.get(SERVER_ENV) or DEFAULT_SERVER).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CommandError(
            f"--server must be an http:// or https:// URL, not {url!r}", exit_code=ExitCode.USAGE
        )
    return ServerConnection(
        url=url,
        token=args.token or os.environ.get(TOKEN_ENV, ""),
        biz_domain=args.biz_domain or os.environ.get(BIZ_DOMAIN_ENV, ""),
    )
