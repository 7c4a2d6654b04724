"""CloudEvents 1.0 (JSON, structured mode) as event triggers receive them, and the filters of
`@trigger/event`."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from flowauto.domain.resolution import walk
from flowauto.domain.run import RunEvent, RunEventType
from flowauto.domain.step_failure import StepFailure

REQUIRED = ("specversion", "id", "source", "type")


class CloudEventInvalidError(StepFailure):
    """A message that is not a CloudEvents 1.0 JSON envelope (it goes to the dead letters)."""


def parse_cloud_event(value: bytes) -> dict[str, Any]:
    """The envelope as a dict; raises CloudEventInvalidError naming what is wrong."""
    try:
        envelope = json.loads(value)
    except (ValueError, UnicodeDecodeError) as error:
        raise CloudEventInvalidError(f"not JSON: {error}") from None
    if not isinstance(envelope, dict):
        raise CloudEventInvalidError("a CloudEvent is a JSON object")
    missing = [name for name in REQUIRED if not envelope.get(name)]
    if missing:
        raise CloudEventInvalidError(f"missing CloudEvents attributes: {', '.join(missing)}")
    if str(envelope["specversion"]) != "1.0":
        raise CloudEventInvalidError(f"specversion {envelope['specversion']!r} is not 1.0")
    return envelope


def matches(envelope: Mapping[str, Any], event_filter: Mapping[str, Any]) -> bool:
    """Every filter field (a dotted path into the envelope, e.g. `data.region`) equals its
    value; an empty filter matches every event."""
    for path, expected in event_filter.items():
        parts = tuple(int(p) if p.isdigit() else p for p in str(path).split("."))
        if walk(envelope, parts) != expected:
            return False
    return True


_RUN_TYPES = {"running": "started", "success": "succeeded"}


def lifecycle_event(event: RunEvent, source: str) -> dict[str, Any]:
    """A run event as the CloudEvent published on `flowauto.events`:
    `flowauto.run.started|succeeded|failed|canceled|paused|resumed|blocked|scheduled`,
    `flowauto.task.<status>` and `flowauto.task.log`."""
    data = dict(event.data)
    if event.type is RunEventType.RUN_STATUS:
        status = str(data.get("status"))
        resumed = data.get("previous") == "paused" and status != "canceled"
        kind = "run." + ("resumed" if resumed else _RUN_TYPES.get(status, status))
    elif event.type is RunEventType.TASK_STATUS:
        kind = f"task.{data.get('status')}"
    else:
        kind = "task.log"
    moment = datetime.datetime.fromtimestamp(event.at_ms / 1000, datetime.UTC)
    return {
        "specversion": "1.0",
        "id": f"{event.run_id}:{event.seq}",
        "source": source,
        "type": f"flowauto.{kind}",
        "subject": event.run_id,
        "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": {**data, "run_id": event.run_id, "seq": event.seq},
    }
