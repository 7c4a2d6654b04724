"""Traces on the OpenTelemetry SDK, with a tracer provider of this app's own.

`NoTracer` is the default when no OTLP endpoint is configured: no spans, no export, only the
log context, so tracing costs next to nothing when it is off.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

import flowauto
from flowauto.ports.telemetry import Span, Tracer

_PROPAGATOR = TraceContextTextMapPropagator()
_HEADER = "traceparent"


class OtelTracer(Tracer):
    def __init__(
        self, processor: SpanProcessor, service_name: str = "flowauto", sample_ratio: float = 1.0
    ) -> None:
        resource = Resource.create(
            {"service.name": service_name, "service.version": flowauto.__version__}
        )
        sampler = ParentBased(TraceIdRatioBased(sample_ratio))
        self._provider = TracerProvider(resource=resource, sampler=sampler)
        self._provider.add_span_processor(processor)
        self._tracer = self._provider.get_tracer("flowauto")

    @classmethod
    def exporting_to(cls, endpoint: str, service_name: str, sample_ratio: float) -> OtelTracer:
        """Spans batched to an OTLP/HTTP collector (`http://collector:4318`)."""
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
        return cls(BatchSpanProcessor(exporter), service_name, sample_ratio)

    @property
    def recording(self) -> bool:
        return True

    def shutdown(self) -> None:
        """Sends the spans still batched."""
        self._provider.shutdown()

    @contextmanager
    def _span(self, name: str, attributes: dict[str, str | int], parent: str) -> Iterator[Span]:
        context = _PROPAGATOR.extract({_HEADER: parent}) if parent else None
        with self._tracer.start_as_current_span(
            name, context=context, attributes=attributes
        ) as sdk:
            yield _OtelSpan(sdk)

    def span(
        self, name: str, attributes: dict[str, str | int], parent: str = ""
    ) -> AbstractContextManager[Span]:
        return self._span(name, attributes, parent)

    def event(self, name: str, attributes: dict[str, str | int]) -> None:
        span = trace.get_current_span()
        if span.is_recording():
            span.add_event(name, attributes)

    def current_traceparent(self) -> str:
        return traceparent_of(trace.get_current_span())


class _OtelSpan(Span):
    def __init__(self, span: trace.Span) -> None:
        self._span = span

    def set(self, key: str, value: str | int) -> None:
        self._span.set_attribute(key, value)

    def failed(self, reason: str) -> None:
        self._span.set_status(Status(StatusCode.ERROR, reason))

    @property
    def traceparent(self) -> str:
        return traceparent_of(self._span)


def traceparent_of(span: trace.Span) -> str:
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get(_HEADER, "")


class NoTracer(Tracer):
    """Tracing off: no spans; the caller's `traceparent` is passed through, so a run started
    by a traced caller still names its trace."""

    @property
    def recording(self) -> bool:
        return False

    def span(
        self, name: str, attributes: dict[str, str | int], parent: str = ""
    ) -> AbstractContextManager[Span]:
        return _NoSpan(parent)

    def event(self, name: str, attributes: dict[str, str | int]) -> None:
        return None

    def current_traceparent(self) -> str:
        return ""


class _NoSpan(Span, AbstractContextManager["_NoSpan"]):
    def __init__(self, parent: str) -> None:
        self._parent = parent

    def __enter__(self) -> _NoSpan:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def set(self, key: str, value: str | int) -> None:
        return None

    def failed(self, reason: str) -> None:
        return None

    @property
    def traceparent(self) -> str:
        return self._parent
