"""Syntax of cron expressions: 5 fields, or 6 with seconds first (`*/5 * * * * *`)."""

from __future__ import annotations

import re

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_ATOM = re.compile(r"^(\*|[A-Za-z0-9]+(-[A-Za-z0-9]+)?)(/(\d+))?$")


class _Field:
    def __init__(self, name: str, low: int, high: int, names: tuple[str, ...] = ()) -> None:
        self.name, self.low, self.high = name, low, high
        self.names = {text: low + index for index, text in enumerate(names)}

    def value(self, text: str) -> int:
        number = self.names.get(text.upper()) if not text.isdigit() else int(text)
        if number is None or not self.low <= number <= self.high:
            raise ValueError(f"{self.name} {text!r} is not within {self.low}-{self.high}")
        return number


_SECOND = _Field("second", 0, 59)
_FIVE_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day of month", 1, 31),
    _Field("month", 1, 12, _MONTHS),
    _Field("day of week", 0, 7, _DAYS),
)


def cron_problem(expression: str) -> str | None:
    """Returns what is wrong with the expression, or None when it is valid."""
    parts = expression.split()
    if len(parts) not in (5, 6):
        return f"needs 5 fields (or 6 with seconds first), not {len(parts)}"
    fields = (_SECOND, *_FIVE_FIELDS) if len(parts) == 6 else _FIVE_FIELDS
    try:
        for part, spec in zip(parts, fields, strict=True):
            _check_part(part, spec)
    except ValueError as error:
        return str(error)
    return None


def _check_part(part: str, spec: _Field) -> None:
    for atom in part.split(","):
        match = _ATOM.match(atom)
        if match is None:
            raise ValueError(f"{spec.name} {atom!r} is not a cron field")
        span, step = match.group(1), match.group(4)
        if step is not None and int(step) == 0:
            raise ValueError(f"{spec.name} step may not be 0")
        if span == "*":
            continue
        low, _, high = span.partition("-")
        first = spec.value(low)
        if high and spec.value(high) < first:
            raise ValueError(f"{spec.name} range {span!r} runs backwards")
