"""DAG documents as files (SPEC section 1): reading and writing them, the fields that belong
to the server rather than to a file, and where a step sits in a document."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from flowauto.cli.command_error import CommandError

STDIN = "-"
SERVER_SET_FIELDS = frozenset(
    {
        "id",
        "userid",
        "biz_domain_id",
        "created_at",
        "updated_at",
        "versionId",
        "modify_by",
        "actions",
        "trigger",
        "webhook",
    }
)
"""Set by the server on read; a create or update body may not carry them."""
_NESTING_KEYS = ("steps", "dataSource", "branches", "conditions")
"""The keys under which a document nests steps, branches and comparisons (all with ids)."""


def read_document(name: str) -> dict[str, Any]:
    """The JSON object in the file (`-`: standard input); CommandError saying why when it
    cannot be read or holds something else (callers name the file)."""
    text = _read_text(name)
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except ValueError as error:
        raise CommandError(f"not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise CommandError(f"must hold one JSON object (a DAG document), not {_kind(document)}")
    return document


def write_document(document: Mapping[str, Any], output: Path | None) -> None:
    """Writes the document as indented JSON to the file, or to standard output."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"{output}: cannot write the file ({error.strerror})") from None


def without_server_fields(document: Mapping[str, Any], *, keep_id: bool = False) -> dict[str, Any]:
    """The document as a client may send it: what the server sets on read is dropped."""
    dropped = SERVER_SET_FIELDS - {"id"} if keep_id else SERVER_SET_FIELDS
    return {key: value for key, value in document.items() if key not in dropped}


def step_paths(document: Mapping[str, Any], step_id: str) -> list[str]:
    """Where the step, branch or comparison with this id sits, as JSON paths like
    `steps[2].branches[0].steps[1]` (several when the id is used more than once)."""
    return [path for path, item in _nested_objects(document, "") if item.get("id") == step_id]


def step_titles(document: Mapping[str, Any]) -> dict[str, str]:
    """Every nested object's title by its id."""
    return {
        str(item["id"]): str(item.get("title") or "")
        for _, item in _nested_objects(document, "")
        if "id" in item
    }


def _nested_objects(value: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(value, Mapping):
        if path:
            yield path, value
        for key in _NESTING_KEYS:
            if key in value:
                yield from _nested_objects(value[key], f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nested_objects(item, f"{path}[{index}]")


def _read_text(name: str) -> str:
    if name == STDIN:
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CommandError("not a UTF-8 text file") from None
    except OSError as error:
        raise CommandError(f"cannot read the file ({error.strerror or error})") from None


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (and the server) does not.
    raise ValueError(f"{name} is not a JSON value")


def _kind(value: Any) -> str:
    kinds = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}
    return kinds.get(type(value), "a number")
