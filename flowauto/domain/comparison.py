"""The built-in comparison operators that decide branch conditions and step guards."""

from __future__ import annotations

import datetime
import math
import operator as op
import re
from collections.abc import Callable, Sequence
from typing import Any

from flowauto.domain.step_failure import StepFailure

_Coerce = Callable[[str, str, object], Any]
_Test = Callable[[Any, Any], bool]

_APPROVAL_RESULTS = ("pass", "reject", "revoke")
# Plain decimal notation only: float() would also accept "nan", "inf" and "1_000".
_NUMERIC_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_SHOWN_CHARS = 60


def _shown(value: object) -> str:
    """A value as quoted in failure reasons, cut short so a huge payload stays readable."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def _not_a(kind: str, name: str, operand: str, value: object) -> StepFailure:
    return StepFailure(f"{name}: {operand} is {_shown(value)}, not {kind}")


def _text(name: str, operand: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float):  # bool is an int, so it is covered too
        return str(value)
    raise _not_a("a text", name, operand, value)


def _number(name: str, operand: str, value: object) -> int | float:
    # bool is excluded on purpose: `True > 0` holding would hide a wrongly wired field.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and not math.isnan(value):
        return value
    if isinstance(value, str):
        text = value.strip()
        # Integers stay int so that large ids compare exactly instead of via float.
        if _INTEGER_TEXT.fullmatch(text):
            return int(text)
        if _NUMERIC_TEXT.fullmatch(text):
            return float(text)
    raise _not_a("a number", name, operand, value)


def parse_rfc3339(text: str) -> datetime.datetime:
    """An RFC 3339 / ISO 8601 time as an aware datetime; naive input is taken as UTC.

    Raises ValueError when `text` is not such a time.
    """
    # RFC 3339 allows lower-case "t" and "z", which fromisoformat rejects.
    parsed = datetime.datetime.fromisoformat(text.strip().upper())
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=datetime.UTC)


def _instant(name: str, operand: str, value: object) -> datetime.datetime:
    try:
        if isinstance(value, str):
            return parse_rfc3339(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.datetime.fromtimestamp(value, datetime.UTC)
    except (ValueError, OverflowError, OSError):
        pass
    raise _not_a("an RFC 3339 time or Unix seconds", name, operand, value)


def _as_is(_name: str, _operand: str, value: object) -> object:
    return value


def _ignored(_name: str, _operand: str, _value: object) -> None:
    """Unary tests look only at `a`, so `b` may hold anything, even nothing."""


def _approval_result(name: str, operand: str, value: object) -> str:
    if isinstance(value, str) and value in _APPROVAL_RESULTS:
        return value
    raise _not_a("one of " + ", ".join(_APPROVAL_RESULTS), name, operand, value)


_TEXT_TESTS: dict[str, tuple[_Coerce, _Test]] = {
    "eq": (_text, op.eq),
    "neq": (_text, op.ne),
    "contains": (_text, lambda a, b: b in a),
    "not-contains": (_text, lambda a, b: b not in a),
    "empty": (_ignored, lambda a, _b: a == ""),
    "not-empty": (_ignored, lambda a, _b: a != ""),
    "start-with": (_text, lambda a, b: a.startswith(b)),
    "end-with": (_text, lambda a, b: a.endswith(b)),
}
_ORDER_TESTS: dict[str, _Test] = {
    "eq": op.eq,
    "neq": op.ne,
    "gt": op.gt,
    "gte": op.ge,
    "lt": op.lt,
    "lte": op.le,
    "earlier-than": op.lt,
    "later-than": op.gt,
}
_NUMBER_TESTS = ("eq", "neq", "gt", "gte", "lt", "lte")
_DATE_TESTS = ("eq", "neq", "earlier-than", "later-than")

# operator name -> how to read a, how to read b, and the test on the read values
_COMPARISONS: dict[str, tuple[_Coerce, _Coerce, _Test]] = {
    **{f"@internal/cmp/string-{k}": (_text, b, t) for k, (b, t) in _TEXT_TESTS.items()},
    **{f"@internal/cmp/number-{k}": (_number, _number, _ORDER_TESTS[k]) for k in _NUMBER_TESTS},
    **{f"@internal/cmp/date-{k}": (_instant, _instant, _ORDER_TESTS[k]) for k in _DATE_TESTS},
    "@workflow/cmp/approval-eq": (_as_is, _approval_result, op.eq),
    "@workflow/cmp/approval-neq": (_as_is, _approval_result, op.ne),
}
COMPARISON_OPERATORS = frozenset(_COMPARISONS)


def compare(operator: str, a: object, b: object) -> bool:
    """Whether `a <operator> b` holds; StepFailure when an operand cannot be read."""
    entry = _COMPARISONS.get(operator)
    if entry is None:
        raise StepFailure(f"unknown comparison {operator!r}")
    read_a, read_b, test = entry
    name = operator.rsplit("/", 1)[-1]
    return bool(test(read_a(name, "a", a), read_b(name, "b", b)))


def holds(groups: Sequence[Sequence[tuple[str, object, object]]]) -> bool:
    """OR of AND groups; no groups, or an empty group, holds.

    Evaluation stops at the first group that holds and at the first false comparison
    in a group, so a later comparison with an unreadable operand does not fail the step.
    """
    if not groups:
        return True
    return any(all(compare(*condition) for condition in group) for group in groups)
