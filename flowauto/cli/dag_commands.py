"""`flowauto dag validate|import|export`: DAG documents between files and a server."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from flowauto.cli.client import ApiClient, NotFoundOnServerError
from flowauto.cli.command_error import CommandError, ExitCode
from flowauto.cli.dag_check import check_document
from flowauto.cli.dag_file import (
    read_document,
    step_paths,
    without_server_fields,
    write_document,
)
from flowauto.cli.public_api import PublicApi
from flowauto.cli.server_options import connection_of, server_options
from flowauto.domain.errors import DagInvalidError, DomainError

_FILES_HELP = "JSON DAG documents; - reads standard input"


def add_to(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dag = commands.add_parser("dag", help="validate, import and export DAG documents")
    actions = dag.add_subparsers(required=True, metavar="ACTION")

    validate = actions.add_parser(
        "validate", help="check DAG files offline with the server's rules (no server needed)"
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help=_FILES_HELP)
    validate.set_defaults(run=_validate)

    load = actions.add_parser(
        "import",
        parents=[server_options()],
        help="create DAGs from files (a file with the id of an existing DAG updates it)",
    )
    load.add_argument("files", nargs="+", metavar="FILE", help=_FILES_HELP)
    load.set_defaults(run=_import)

    export = actions.add_parser(
        "export", parents=[server_options()], help="write a DAG as an importable document"
    )
    export.add_argument("dag_id", metavar="DAG_ID")
    export.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write to FILE, not standard output"
    )
    export.add_argument(
        "--with-id",
        action="store_true",
        help="keep the DAG's id, so that importing the file updates this DAG",
    )
    export.set_defaults(run=_export)


def _validate(args: argparse.Namespace) -> int:
    verdicts = [_validate_file(name) for name in args.files]
    return ExitCode.OK if all(verdicts) else ExitCode.FAILED


def _validate_file(name: str) -> bool:
    """Prints the file's verdict on one line; True when it is valid."""
    try:
        document = without_server_fields(read_document(name))
    except CommandError as error:
        print(f"{name}: {error}")
        return False
    try:
        trusted = check_document(document)
    except DagInvalidError as error:
        print(f"{name}: {_located(document, error)}")
        return False
    except DomainError as error:
        print(f"{name}: {error.message}")
        return False
    note = f" (not checked offline, registered on the server: {', '.join(trusted)})"
    print(f"{name}: valid{note if trusted else ''}")
    return True


def _located(document: dict[str, Any], error: DagInvalidError) -> str:
    """The server's message, its step named by where it sits in the file as well as by id."""
    if error.step_id is None:
        return error.message
    paths = step_paths(document, error.step_id) or ["step"]
    problem = error.message.removeprefix(f"step {error.step_id}: ")
    return f'{", ".join(paths)} (id "{error.step_id}"): {problem}'


def _import(args: argparse.Namespace) -> int:
    failed = False
    with ApiClient(connection_of(args)) as client:
        api = PublicApi(client)
        for name in args.files:
            try:
                print(_import_file(api, name))
            except CommandError as error:
                if error.exit_code is not ExitCode.FAILED:
                    raise  # the server is down or refuses the caller: every file would fail
                print(f"flowauto: {name}: {error}", file=sys.stderr)
                failed = True
    return ExitCode.FAILED if failed else ExitCode.OK


def _import_file(api: PublicApi, name: str) -> str:
    """Creates the file's DAG, or updates the DAG whose id the file carries; says which."""
    document = read_document(name)
    body = without_server_fields(document)
    dag_id = document.get("id")
    if not isinstance(dag_id, str) or not dag_id:
        return f"created DAG {api.create_dag(body)} from {name}"
    try:
        current = api.get_dag(dag_id)
    except NotFoundOnServerError:
        new_id = api.create_dag(body)
        return f"created DAG {new_id} from {name} (DAG {dag_id} is not on this server)"
    if body.get("version") == current.get("version"):
        # An update may only name a greater version; without one the server counts on.
        del body["version"]
    api.update_dag(dag_id, body)
    return f"updated DAG {dag_id} from {name}"


def _export(args: argparse.Namespace) -> int:
    with ApiClient(connection_of(args)) as client:
        document = PublicApi(client).get_dag(args.dag_id)
    write_document(without_server_fields(document, keep_id=args.with_id), args.output)
    if args.output is not None:
        print(f"exported DAG {args.dag_id} to {args.output}", file=sys.stderr)
    return ExitCode.OK
