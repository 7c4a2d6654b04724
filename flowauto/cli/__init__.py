"""The `flowauto` command: run the server, and talk to one (SPEC section 9; docs/cli.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import flowauto
from flowauto.cli import dag_commands, run_command
from flowauto.cli.command_error import CommandError, ExitCode


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except CommandError as error:
        print(f"flowauto: {error}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        return int(ExitCode.INTERRUPTED)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flowauto", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the server (public and private APIs)")
    serve.add_argument("--host", help="public API address (default 127.0.0.1)")
    serve.add_argument("--public-port", type=int, help="public API port (default 8082)")
    serve.add_argument("--private-port", type=int, help="private API port (default 8083)")
    serve.add_argument("--roles", help="comma-separated subset of api,worker,scheduler")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="create or upgrade the SQL schema")
    migrate.set_defaults(run=_migrate)

    dag_commands.add_to(commands)
    run_command.add_to(commands)

    version = commands.add_parser("version", help="print the version")
    version.set_defaults(run=_version)
    return parser


# The server side is imported on use: it pulls in every adapter (a second or more), which the
# client commands and `version` should not pay for.
def _serve(args: argparse.Namespace) -> int:
    from flowauto.cli import serve

    return serve.serve(args)


def _migrate(args: argparse.Namespace) -> int:
    from flowauto.cli import serve

    return serve.migrate(args)


def _version(_: argparse.Namespace) -> int:
    print(flowauto.__version__)
    return 0
