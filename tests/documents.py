"""JSON DAG documents as clients send them."""

from __future__ import annotations

import itertools
from typing import Any

_titles = itertools.count(1)


def manual_trigger(step_id: str = "1") -> dict[str, Any]:
    return {"id": step_id, "title": "start", "operator": "@trigger/manual", "parameters": {}}


def now_step(step_id: str) -> dict[str, Any]:
    return {"id": step_id, "title": "now", "operator": "@internal/time/now", "parameters": {}}


def join_step(step_id: str, *texts: Any) -> dict[str, Any]:
    return {
        "id": step_id,
        "title": "join",
        "operator": "@internal/text/join",
        "parameters": {"texts": list(texts), "separator": ","},
    }


def dag_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "title": f"DAG {next(_titles)}",
        "description": "does things",
        "type": "workflow",
        "steps": [manual_trigger(), now_step("2")],
    }
    document.update(overrides)
    return document
