"""Metrics on prometheus-client, in a registry of this app's own (tests build several apps in
one process; the default global registry would refuse the second)."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from flowauto.ports.telemetry import Metrics

# The `_created` series double every counter and histogram for a timestamp nobody graphs.
disable_created_metrics()  # type: ignore[no-untyped-call]

# From 1 ms (a chain of pure steps) to 10 minutes (long HTTP steps, approvals end elsewhere).
DURATION_BUCKETS_S = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    300.0, 600.0,
)  # fmt: skip


class PrometheusMetrics(Metrics):
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._runs_started = Counter(
            "flowauto_runs_started", "Runs started, by trigger.", ["trigger"], registry=r
        )
        self._runs_finished = Counter(
            "flowauto_runs_finished", "Runs that ended, by status and trigger.",
            ["status", "trigger"], registry=r,
        )  # fmt: skip
        self._run_duration = Histogram(
            "flowauto_run_duration_seconds", "From a run's start to its end.", ["status"],
            buckets=DURATION_BUCKETS_S, registry=r,
        )  # fmt: skip
        self._step_duration = Histogram(
            "flowauto_step_duration_seconds", "From a step's start to its end.",
            ["operator", "status"], buckets=DURATION_BUCKETS_S, registry=r,
        )  # fmt: skip
        self._queue_depth = Gauge(
            "flowauto_queue_depth", "Runs waiting for a worker (sampled).", registry=r
        )
        self._in_flight = Gauge(
            "flowauto_tasks_in_flight", "Step actions executing in this process.", registry=r
        )
        self._lease_expiries = Counter(
            "flowauto_lease_expiries", "Runs taken over from a worker whose lease expired.",
            registry=r,
        )  # fmt: skip
        self._trigger_fires = Counter(
            "flowauto_trigger_fires", "Automatic triggers that started a run, by kind.",
            ["kind"], registry=r,
        )  # fmt: skip
        self._consumer_lag = Gauge(
            "flowauto_event_consumer_lag", "Kafka messages not yet consumed, by topic.",
            ["topic"], registry=r,
        )  # fmt: skip
        self._http_requests = Counter(
            "flowauto_http_requests", "HTTP requests served, by route template and status.",
            ["server", "method", "route", "status"], registry=r,
        )  # fmt: skip
        self._http_duration = Histogram(
            "flowauto_http_request_duration_seconds", "HTTP request latency.",
            ["server", "method", "route"], buckets=DURATION_BUCKETS_S, registry=r,
        )  # fmt: skip

    def run_started(self, trigger: str) -> None:
        self._runs_started.labels(trigger).inc()

    def run_finished(self, status: str, trigger: str, duration_ms: int | None) -> None:
        self._runs_finished.labels(status, trigger).inc()
        if duration_ms is not None:
            self._run_duration.labels(status).observe(duration_ms / 1000)

    def step_finished(self, operator: str, status: str, duration_ms: int | None) -> None:
        if duration_ms is not None:
            self._step_duration.labels(operator, status).observe(duration_ms / 1000)

    def step_in_flight(self, delta: int) -> None:
        self._in_flight.inc(delta)

    def lease_taken_over(self) -> None:
        self._lease_expiries.inc()

    def trigger_fired(self, kind: str) -> None:
        self._trigger_fires.labels(kind).inc()

    def queue_depth(self, depth: int) -> None:
        self._queue_depth.set(depth)

    def consumer_lag(self, topic: str, lag: int) -> None:
        self._consumer_lag.labels(topic).set(lag)

    def http_request(
        self, server: str, method: str, route: str, status: int, duration_s: float
    ) -> None:
        self._http_requests.labels(server, method, route, str(status)).inc()
        self._http_duration.labels(server, method, route).observe(duration_s)

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class NoMetrics(Metrics):
    """Metrics off (`FLOWAUTO_METRICS__ENABLED=false`): nothing counted, an empty scrape."""

    def run_started(self, trigger: str) -> None:
        return None

    def run_finished(self, status: str, trigger: str, duration_ms: int | None) -> None:
        return None

    def step_finished(self, operator: str, status: str, duration_ms: int | None) -> None:
        return None

    def step_in_flight(self, delta: int) -> None:
        return None

    def lease_taken_over(self) -> None:
        return None

    def trigger_fired(self, kind: str) -> None:
        return None

    def queue_depth(self, depth: int) -> None:
        return None

    def consumer_lag(self, topic: str, lag: int) -> None:
        return None

    def http_request(
        self, server: str, method: str, route: str, status: int, duration_s: float
    ) -> None:
        return None

    def exposition(self) -> tuple[bytes, str]:
        return b"", CONTENT_TYPE_LATEST
