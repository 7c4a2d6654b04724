"""Keeping secret values out of everything stored or shown (task inputs, outputs, reasons,
and so the events and logs made from them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

MASK = "***"
T = TypeVar("T")


def redact(value: T, secrets: set[str]) -> T:
    """`value` with every occurrence of a secret replaced by `***`, walking dicts and lists."""
    if not secrets:
        return value
    return _redact(value, sorted(secrets, key=len, reverse=True))  # type: ignore[no-any-return]


def _redact(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, Mapping):
        return {key: _redact(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item, secrets) for item in value]
    return value
