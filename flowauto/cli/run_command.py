"""`flowauto run DAG_ID [--data JSON] [--vars JSON] [--follow]`: start a run, optionally
watch it to its end; the exit code then tells how it ended."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from flowauto.cli.client import ApiClient
from flowauto.cli.command_error import ExitCode
from flowauto.cli.dag_file import step_titles
from flowauto.cli.public_api import PublicApi
from flowauto.cli.run_follow import follow_run
from flowauto.cli.run_progress import RunProgress
from flowauto.cli.run_view import open_run_view
from flowauto.cli.server_options import connection_of, server_options
from flowauto.domain.run import RunStatus

_EXIT_CODE_OF_END = {
    RunStatus.SUCCESS.value: ExitCode.OK,
    RunStatus.FAILED.value: ExitCode.FAILED,
    RunStatus.CANCELED.value: ExitCode.CANCELED,
}


def add_to(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run", parents=[server_options()], help="start a run of a DAG; --follow watches it"
    )
    run.add_argument("dag_id", metavar="DAG_ID")
    run.add_argument(
        "--data",
        type=_json_object,
        default={},
        metavar="JSON",
        help="the trigger's input (form values) as a JSON object, or @FILE holding one",
    )
    run.add_argument(
        "--vars",
        type=_json_object,
        default={},
        metavar="JSON",
        help="run variables ({{__vars.<name>}}) as a JSON object, or @FILE holding one",
    )
    run.add_argument(
        "--follow",
        action="store_true",
        help="show each step's status live until the run ends; exit 0 only on success, "
        "1 when it failed, 3 when it was canceled",
    )
    run.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    with ApiClient(connection_of(args)) as client:
        api = PublicApi(client)
        if not args.follow:
            print(api.start_run(args.dag_id, args.data, args.vars))
            return ExitCode.OK
        # Read before starting: the events name steps by id only; the titles come from here.
        titles = step_titles(api.get_dag(args.dag_id))
        run_id = api.start_run(args.dag_id, args.data, args.vars)
        progress = RunProgress(run_id=run_id, titles=titles)
        try:
            with open_run_view(progress) as view:
                follow_run(api, progress, view)
        except KeyboardInterrupt:
            print(
                f"flowauto: stopped following run {progress.run_id}; it continues on the server",
                file=sys.stderr,
            )
            return ExitCode.INTERRUPTED
    return _EXIT_CODE_OF_END.get(progress.status, ExitCode.FAILED)


def _json_object(text: str) -> dict[str, Any]:
    """An argparse type: a JSON object given inline or as @FILE."""
    source = text
    if text.startswith("@"):
        try:
            source = Path(text[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise argparse.ArgumentTypeError(f"cannot read {text[1:]}: {error}") from None
    try:
        value = json.loads(source)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('must be a JSON object, like {"name": "Ann"}')
    return value
