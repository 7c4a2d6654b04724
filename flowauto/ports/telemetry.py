"""Metrics and traces, behind ports so the domain and use cases import neither prometheus nor
OpenTelemetry. Label values are bounded sets (statuses, triggers, operators, route templates):
never run, DAG or user ids."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol


class Metrics(Protocol):
    def run_started(self, trigger: str) -> None: ...

    def run_finished(self, status: str, trigger: str, duration_ms: int | None) -> None: ...

    def step_finished(self, operator: str, status: str, duration_ms: int | None) -> None: ...

    def step_in_flight(self, delta: int) -> None:
        """+1 when a step's action starts in this process, -1 when it returns."""
        ...

    def lease_taken_over(self) -> None:
        """A run is claimed from a worker whose lease expired."""
        ...

    def trigger_fired(self, kind: str) -> None: ...

    def queue_depth(self, depth: int) -> None: ...

    def consumer_lag(self, topic: str, lag: int) -> None: ...

    def http_request(
        self, server: str, method: str, route: str, status: int, duration_s: float
    ) -> None: ...

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text of every metric, and its content type."""
        ...


class Span(Protocol):
    def set(self, key: str, value: str | int) -> None: ...

    def failed(self, reason: str) -> None: ...

    @property
    def traceparent(self) -> str:
        """This span as a W3C `traceparent` value ("" when tracing is off)."""
        ...


class Tracer(Protocol):
    @property
    def recording(self) -> bool:
        """False when tracing is off: callers skip building what only spans would use."""
        ...

    def span(
        self, name: str, attributes: dict[str, str | int], parent: str = ""
    ) -> AbstractContextManager[Span]:
        """A span that is current inside the block (so outgoing calls carry it, and log lines
        name it), child of `parent` (a `traceparent`) or else of the current span."""
        ...

    def event(self, name: str, attributes: dict[str, str | int]) -> None:
        """Notes something quick on the current span (a step too short for a span)."""
        ...

    def current_traceparent(self) -> str:
        """The current span as a `traceparent` ("" when none)."""
        ...
