"""W3C trace context on outgoing calls (HTTP steps, executor calls, Kafka messages): the
current span, when there is one, as a `traceparent` header the callee can join."""

from __future__ import annotations

from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()


def with_trace_context(headers: dict[str, str]) -> dict[str, str]:
    """`headers` plus `traceparent` (unless the caller set one); unchanged without a span."""
    if any(name.lower() == "traceparent" for name in headers):
        return headers
    _PROPAGATOR.inject(headers)
    return headers
