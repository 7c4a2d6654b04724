"""Checking the values a run of a `@trigger/form` DAG brings (400 naming the field)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flowauto.domain.errors import FieldInvalidError

_TEXT_TYPES = frozenset({"string", "long_string"})


def check_form(fields: Sequence[Mapping[str, Any]], data: Mapping[str, Any]) -> dict[str, Any]:
    """The form values for `__1.fields`: required ones present, each of its field's type.

    Keys the form does not declare are dropped, as a form UI would never send them.
    Raises FieldInvalidError naming `data.<key>`.
    """
    values: dict[str, Any] = {}
    for spec in fields:
        key = str(spec.get("key", ""))
        value = data.get(key)
        if value is None or value == "" or value == []:
            if spec.get("required"):
                raise FieldInvalidError(f"data.{key}", "is required")
            continue
        problem = _CHECKS.get(str(spec.get("type", "string")), _any)(value, spec)
        if problem:
            raise FieldInvalidError(f"data.{key}", problem)
        values[key] = value
    return values


def _options(spec: Mapping[str, Any]) -> list[Any]:
    """A field's choices: `data` is a list of values or of `{value, label}` objects."""
    options = spec.get("data") or []
    if not isinstance(options, list):
        return []
    return [item.get("value") if isinstance(item, Mapping) else item for item in options]


def _text(value: Any, spec: Mapping[str, Any]) -> str:
    return "" if isinstance(value, str) else "must be a text"


def _number(value: Any, spec: Mapping[str, Any]) -> str:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    return "" if ok else "must be a number"


def _datetime(value: Any, spec: Mapping[str, Any]) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ""
    if isinstance(value, str):
        try:
            datetime.datetime.fromisoformat(value)
        except ValueError:
            return "must be an RFC 3339 date-time or Unix seconds"
        return ""
    return "must be an RFC 3339 date-time or Unix seconds"


def _radio(value: Any, spec: Mapping[str, Any]) -> str:
    options = _options(spec)
    if options and value not in options:
        return f"must be one of {options}"
    return ""


def _checkbox(value: Any, spec: Mapping[str, Any]) -> str:
    if not isinstance(value, list):
        return "must be a list of choices"
    options = _options(spec)
    strays = [item for item in value if options and item not in options]
    return f"has {strays} outside the choices {options}" if strays else ""


def _any(value: Any, spec: Mapping[str, Any]) -> str:
    return ""


_CHECKS: Mapping[str, Callable[[Any, Mapping[str, Any]], str]] = {
    **dict.fromkeys(_TEXT_TYPES, _text),
    "number": _number,
    "datetime": _datetime,
    "radio": _radio,
    "checkbox": _checkbox,
}
