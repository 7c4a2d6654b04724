"""Built-in actions that compute outputs from parameters alone: text, time, JSON, assign."""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flowauto.domain.comparison import parse_rfc3339
from flowauto.domain.step_failure import StepFailure

_T = TypeVar("_T")
_Action = Callable[[Mapping[str, Any], datetime.datetime], dict[str, Any]]

# Kept here rather than imported from builtin_operators so that the catalog may
# import this module without a cycle. Full-width comma and semicolon are Chinese.
_SEPARATORS = {"": "", ",": ",", ";": ";", "\uff0c": "\uff0c", "\uff1b": "\uff1b"}
# Look-arounds keep a longer run of digits from yielding a match cut out of its middle.
_MATCH_PATTERNS: dict[str, re.Pattern[str]] = {
    "NUMBER": re.compile(r"-?\d+(?:\.\d+)?"),
    "CN_ID_CARD": re.compile(
        r"(?<!\d)[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
        r"(?![\dXx])"
    ),
    "CN_PHONE_NUMBER": re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    "CN_BANK_CARD_NUMBER": re.compile(r"(?<!\d)\d{16,19}(?!\d)"),
    "EMAIL": re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
    # The last character may not be sentence punctuation such as the "." ending "see x.com."
    "URL": re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*[A-Za-z0-9\-_~/#=&%+@]"),
}
_MATCH_TYPES: dict[str, re.Pattern[str] | None] = {**_MATCH_PATTERNS, "REGEX": None}
_UNITS = {"day": "days", "hour": "hours", "minute": "minutes"}
_SIGNS = {"add": 1, "sub": -1}


# --- reading parameters ------------------------------------------------------------------


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _required(parameters: Mapping[str, Any], name: str) -> Any:
    if parameters.get(name) is None:
        raise StepFailure(f"{name} is required")
    return parameters[name]


def _text(parameters: Mapping[str, Any], name: str, default: str | None = None) -> str:
    value = parameters.get(name)
    if value is None:
        if default is None:
            raise StepFailure(f"{name} is required")
        return default
    if not isinstance(value, str):
        raise StepFailure(f"{name} is {_shown(value)}, not a text")
    return value


def _choice(
    parameters: Mapping[str, Any], name: str, choices: Mapping[str, _T], default: str | None = None
) -> _T:
    value = _text(parameters, name, default)
    if value not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        raise StepFailure(f"{name} is {_shown(value)}, not one of {allowed}")
    return choices[value]


def _separator(parameters: Mapping[str, Any]) -> str:
    if parameters.get("separator") != "custom":
        return _choice(parameters, "separator", _SEPARATORS, default="")
    custom = parameters.get("custom")
    if not isinstance(custom, str) or not custom:
        raise StepFailure(f"custom is {_shown(custom)}; separator 'custom' needs a non-empty text")
    return custom


def _whole_number(parameters: Mapping[str, Any], name: str) -> int:
    value = _required(parameters, name)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise StepFailure(f"{name} is {_shown(value)}, not a whole number")


# --- text ----------------------------------------------------------------------------------


def _join(parameters: Mapping[str, Any], _now: datetime.datetime) -> dict[str, Any]:
    texts = _required(parameters, "texts")
    if not isinstance(texts, list | tuple):
        raise StepFailure(f"texts is {_shown(texts)}, not a list")
    return {"text": _separator(parameters).join(str(item) for item in texts)}


def _split(parameters: Mapping[str, Any], _now: datetime.datetime) -> dict[str, Any]:
    text, separator = _text(parameters, "text"), _separator(parameters)
    return {"slices": text.split(separator) if separator else list(text)}


def _match_pattern(parameters: Mapping[str, Any]) -> re.Pattern[str]:
    known = _choice(parameters, "matchtype", _MATCH_TYPES)
    if known is not None:
        return known
    pattern = _text(parameters, "pattern", "")
    if not pattern:
        raise StepFailure("pattern is required when matchtype is 'REGEX'")
    try:
        return re.compile(pattern)
    except re.error as error:
        raise StepFailure(f"pattern {_shown(pattern)} is not a valid regex: {error}") from error


def _match(parameters: Mapping[str, Any], _now: datetime.datetime) -> dict[str, Any]:
    text, pattern = _text(parameters, "text"), _match_pattern(parameters)
    # group(0) rather than findall, whose result changes shape when the regex has groups.
    return {"matched": [found.group(0) for found in pattern.finditer(text)]}


# --- time ----------------------------------------------------------------------------------


def _rfc3339(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    offset = moment.utcoffset()
    # RFC 3339 offsets are whole minutes; historical zones (LMT) may have seconds.
    if offset is not None and offset.seconds % 60:
        moment = moment.astimezone(datetime.UTC)
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _time_now(_parameters: Mapping[str, Any], now: datetime.datetime) -> dict[str, Any]:
    return {"curtime": _rfc3339(now.replace(microsecond=0))}


def _time_relative(parameters: Mapping[str, Any], _now: datetime.datetime) -> dict[str, Any]:
    old_text = _text(parameters, "old_time")
    try:
        old_time = parse_rfc3339(old_text)
    except ValueError as error:
        raise StepFailure(f"old_time is {_shown(old_text)}, not an RFC 3339 time") from error
    sign = _choice(parameters, "relative_type", _SIGNS)
    unit = _choice(parameters, "relative_unit", _UNITS)
    amount = sign * _whole_number(parameters, "relative_value")
    try:
        new_time = old_time + datetime.timedelta(**{unit: amount})
    except OverflowError as error:
        raise StepFailure(f"new_time is out of range: {error}") from error
    return {"new_time": _rfc3339(new_time)}


# --- JSON ----------------------------------------------------------------------------------


def _container(value: Any) -> Any:
    """A string holding a JSON object or array is read as that; anything else is kept.

    Only objects and arrays are parsed so that a text such as "123" stays a text.
    """
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return value
        if isinstance(parsed, dict | list):
            return parsed
    return value


def _segments(parameters: Mapping[str, Any]) -> list[str]:
    path = _text(parameters, "path", "")
    return path.split(".") if path else []


def _child(node: Any, segment: str) -> Any:
    if isinstance(node, Mapping):
        return node.get(segment)
    if isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
        return node[int(segment)]
    return None


def _json_get(parameters: Mapping[str, Any], _now: datetime.datetime) -> dict[str, Any]:
    node = _container(parameters.get("value"))
    for segment in _segments(parameters):
        node = _child(node, segment)
    return {"value": node}


def _list_index(node: list[Any], segment: str, walked: str) -> int:
    if not segment.isdigit():
        raise StepFailure(f"path {walked!r}: {segment!r} is not an index of a list")
    if int(segment) >= len(node):
        raise StepFailure(f"path {walked!r}: index {segment} is out of range ({len(node)} items)")
    return int(segment)


def _replaced(node: Any, segments: list[str], new: Any, walked: str) -> Any:
    """`node` with the value at `segments` set to `new`, copying only the nodes on the way."""
    if not segments:
        return new
    head, rest = segments[0], segments[1:]
    here = f"{walked}.{head}" if walked else head
    if isinstance(node, Mapping):
        return {**node, head: _replaced(node.get(head, {}), rest, new, here)}
    if isinstance(node, list):
        index = _list_index(node, head, here)
        return [*node[:index], _replaced(node[index], rest, new, here), *node[index + 1 :]]
    where = f"path {walked!r}" if walked else "value"
    raise StepFailure(f"{where} is {_shown(node)}, not an object or a list")


def _json_set(parameters: Mapping[str, Any], _now: datetime.datetime) -> dict[str, Any]:
    value, segments = _container(parameters.get("value")), _segments(parameters)
    replaced = _replaced(value, segments, parameters.get("new"), "")
    # A deep copy, so that later changes to the output never reach the input or `new`.
    return {"value": copy.deepcopy(replaced)}


def _json_parse(parameters: Mapping[str, Any], _now: datetime.datetime) -> dict[str, Any]:
    text = _text(parameters, "text")
    try:
        return {"value": json.loads(text)}
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno} (char {error.pos})"
        raise StepFailure(f"text is not valid JSON: {error.msg} at {where}") from error


def _json_stringify(parameters: Mapping[str, Any], _now: datetime.datetime) -> dict[str, Any]:
    value = parameters.get("value")
    try:
        # allow_nan=False: NaN and Infinity would make a text that no JSON parser reads.
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise StepFailure(f"value cannot be written as JSON: {error}") from error
    return {"text": text}


def _assign(parameters: Mapping[str, Any], _now: datetime.datetime) -> dict[str, Any]:
    name = _text(parameters, "name")
    if not name:
        raise StepFailure("name is required")
    return {"name": name, "value": parameters.get("value")}


_ACTIONS: dict[str, _Action] = {
    "@internal/text/join": _join,
    "@internal/text/split": _split,
    "@internal/text/match": _match,
    "@internal/time/now": _time_now,
    "@internal/time/relative": _time_relative,
    "@internal/json/get": _json_get,
    "@internal/json/set": _json_set,
    "@internal/json/parse": _json_parse,
    "@internal/json/stringify": _json_stringify,
    "@internal/assign": _assign,
}
PURE_ACTIONS: frozenset[str] = frozenset(_ACTIONS)


def run_pure_action(
    operator: str, parameters: Mapping[str, Any], now: datetime.datetime
) -> dict[str, Any]:
    """The outputs of a pure action; StepFailure, its reason led by the action, on bad input."""
    action = _ACTIONS.get(operator)
    if action is None:
        raise StepFailure(f"unknown pure action {operator!r}")
    try:
        return action(parameters, now)
    except StepFailure as failure:
        raise StepFailure(f"{operator.removeprefix('@internal/')}: {failure.reason}") from failure
