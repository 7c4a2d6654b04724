"""JSON Schema checks with the `jsonschema` library (Draft 2020-12 unless the schema says)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema

from flowauto.ports.schema_validator import SchemaValidator


class JsonSchemaValidator(SchemaValidator):
    def problem(self, schema: Mapping[str, Any], value: Any) -> str | None:
        if not schema:
            return None
        validator_class = jsonschema.validators.validator_for(schema)
        errors = sorted(validator_class(schema).iter_errors(value), key=lambda e: list(e.path))
        if not errors:
            return None
        first = errors[0]
        field = ".".join(str(part) for part in first.path) or "(the whole value)"
        return f"{field}: {first.message}"
