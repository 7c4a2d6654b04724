"""One log format for the whole process: JSON lines on stdout (or text for humans), stdlib
loggers included, each line carrying the block's run/task/DAG ids and the current trace."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
from opentelemetry import trace
from structlog.types import EventDict, Processor

from flowauto.domain.log_fields import log_fields

# Loggers whose INFO lines repeat what the access log already says.
_QUIET = ("httpx", "httpcore", "uvicorn.access", "aiokafka", "apscheduler")


def configure_logging(level: str, log_format: str) -> None:
    shared: list[Processor] = [
        _add_log_fields,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
    ]
    renderer: Processor = (
        structlog.dev.ConsoleRenderer(colors=False)
        if log_format == "text"
        else structlog.processors.JSONRenderer()
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def _drop_color_message(_: Any, __: str, event: EventDict) -> EventDict:
    """uvicorn adds an ANSI-coloured copy of its message for its own console handler."""
    event.pop("color_message", None)
    return event


def _add_log_fields(_: Any, __: str, event: EventDict) -> EventDict:
    for key, value in log_fields().items():
        event.setdefault(key, value)
    return event


def _add_trace_ids(_: Any, __: str, event: EventDict) -> EventDict:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event
