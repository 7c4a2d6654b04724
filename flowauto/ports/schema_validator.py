"""Checking values against JSON Schemas (custom actions' inputs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class SchemaValidator(Protocol):
    def problem(self, schema: Mapping[str, Any], value: Any) -> str | None:
        """None when `value` fits `schema`; else the first problem, naming the field path."""
        ...
