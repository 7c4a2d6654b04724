"""How a command fails: one exception the entry point turns into a message and an exit code."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """The exit codes of every `flowauto` command (docs/cli.md lists them for scripts)."""

    OK = 0
    FAILED = 1
    """The run failed, the DAG is invalid, a file is unreadable or the server refused."""
    USAGE = 2
    """A bad command line or settings (argparse uses 2 for its own usage errors too)."""
    CANCELED = 3
    """The followed run was canceled."""
    UNREACHABLE = 4
    """No server answered at --server, or the connection to it broke."""
    UNAUTHENTICATED = 5
    """The server refused the token (HTTP 401)."""
    NOT_FOUND = 6
    """The DAG or run does not exist (HTTP 404)."""
    INTERRUPTED = 130
    """Ctrl-C, as shells report SIGINT."""


class CommandError(Exception):
    """A failure the user can act on: `main` prints the message on one line, no traceback."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, *, exit_code: ExitCode | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
