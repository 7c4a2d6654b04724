"""Fields that every log line written inside a block carries (run, task and DAG ids).

A context variable, so each asyncio task sees the fields of the block it runs in; the logging
adapter adds them to every line."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

_FIELDS: ContextVar[Mapping[str, str]] = ContextVar(
    "flowauto_log_fields", default=MappingProxyType({})
)


@contextmanager
def logged(**fields: str) -> Iterator[None]:
    token = _FIELDS.set({**_FIELDS.get(), **fields})
    try:
        yield
    finally:
        _FIELDS.reset(token)


def log_fields() -> Mapping[str, str]:
    return _FIELDS.get()
