"""Traces, metrics and logs of real runs: the span tree of a 3-step run as the SDK's
in-memory exporter sees it, W3C trace context in and out, the Prometheus scrape, and the
metric names the shipped Grafana dashboard queries."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from flowauto.application.services import Services
from flowauto.application.telemetry import Telemetry
from flowauto.bootstrap import build_in_memory
from flowauto.domain.paging import RunQuery
from flowauto.domain.run import Run
from flowauto.driven_adapters.http.address_guard import AddressGuard
from flowauto.driven_adapters.http.httpx_http_requester import HttpxHttpRequester
from flowauto.driven_adapters.in_memory.event_bus import InMemoryEventBus
from flowauto.driven_adapters.telemetry.logging_setup import configure_logging
from flowauto.driven_adapters.telemetry.otel_tracer import OtelTracer
from flowauto.driven_adapters.telemetry.prometheus_metrics import PrometheusMetrics
from flowauto.ports.event_bus import BusMessage
from tests.deploy.chart import DASHBOARD
from tests.deploy.dashboard import dashboard_metric_names
from tests.engine import ADMIN, create_dag, manual, settled, step
from tests.http_client import API, private_client, public_client
from tests.local_http import LocalHttp, local_http_server

_titles = itertools.count()
CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
CALLER = f"00-{CALLER_TRACE}-b7ad6b7169203331-01"


@pytest.fixture
def local_http() -> Iterator[LocalHttp]:
    with local_http_server() as server:
        yield server


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def services(exporter: InMemorySpanExporter) -> Services:
    tracer = OtelTracer(SimpleSpanProcessor(exporter))
    http = HttpxHttpRequester(httpx.AsyncClient(), AddressGuard(["127.0.0.1"]))
    return build_in_memory(http=http, telemetry=Telemetry(PrometheusMetrics(), tracer))


@pytest.fixture
async def client(services: Services) -> AsyncIterator[Any]:
    async with public_client(services) as client:
        yield client


async def run_to_the_end(client: Any, *steps: dict[str, Any]) -> str:
    document = {"title": f"traced {next(_titles)}", "steps": [*steps]}
    created = await client.post(f"{API}/dags", json=document)
    assert created.status_code == 201, created.text
    dag_id = created.json()["id"]
    started = await client.post(
        f"{API}/dags/{dag_id}/run", json={}, headers={"traceparent": CALLER}
    )
    run_id = str(started.json()["id"])
    for _ in range(500):
        run = (await client.get(f"{API}/instances/{run_id}")).json()
        if run["status"] in {"success", "failed", "canceled"}:
            return run_id
        await asyncio.sleep(0.01)
    raise AssertionError("the run did not end")


def tree(spans: tuple[ReadableSpan, ...]) -> list[str]:
    """`name <- parent name` for every span of the caller's trace, in start order."""
    ours = [span for span in spans if format(span.context.trace_id, "032x") == CALLER_TRACE]
    names = {span.context.span_id: span.name for span in ours}
    ours.sort(key=lambda span: span.start_time or 0)
    return [f"{span.name} <- {names.get(span.parent.span_id, 'caller') if span.parent else '-'}"
            for span in ours]  # fmt: skip


async def test_a_three_step_run_is_one_trace_under_its_caller(
    client: Any, exporter: InMemorySpanExporter, local_http: LocalHttp
) -> None:
    call = {"method": "GET", "url": f"{local_http.url}/ok"}
    steps = [manual(), step("2", "@internal/http/request", **call),
             step("3", "@internal/text/join", texts=["a", "b"], separator=","),
             step("4", "@internal/http/request", **call)]  # fmt: skip
    run_id = await run_to_the_end(client, *steps)
    spans = exporter.get_finished_spans()
    assert tree(spans) == [
        "POST /api/automation/v1/dags/{dag_id}/run <- caller",
        "run <- POST /api/automation/v1/dags/{dag_id}/run",
        "step 2 <- run",
        "step 4 <- run",
    ]
    by_name = {span.name: span for span in spans}
    fourth = by_name["step 4"].attributes or {}
    assert fourth["run_id"] == run_id
    assert fourth["step_id"] == "4"
    assert fourth["operator"] == "@internal/http/request"
    assert fourth["attempt"] == 1
    assert fourth["status"] == "success"
    assert isinstance(fourth["task_id"], str)
    assert isinstance(fourth["dag_id"], str)
    run_span = by_name["run"]
    assert (run_span.attributes or {})["status"] == "success"
    # The pure step (microseconds in memory) is an event on the run's span.
    events = {event.name: event.attributes or {} for event in run_span.events}
    assert events["step 3"]["operator"] == "@internal/text/join"
    assert events["step 3"]["status"] == "success"
    print("\n".join(tree(spans)), "| run events:", list(events))


async def test_http_steps_carry_the_trace_to_the_server_they_call(
    client: Any, exporter: InMemorySpanExporter, local_http: LocalHttp
) -> None:
    call = step("2", "@internal/http/request", method="GET", url=f"{local_http.url}/traced")
    await run_to_the_end(client, manual(), call)
    sent = local_http.headers["/traced"]["traceparent"]
    step_span = next(s for s in exporter.get_finished_spans() if s.name == "step 2")
    assert sent == f"00-{CALLER_TRACE}-{format(step_span.context.span_id, '016x')}-01"


async def test_metrics_count_runs_steps_and_requests(services: Services, client: Any) -> None:
    failing = step("2", "@internal/json/parse", text="not json")
    await run_to_the_end(client, manual(), step("2", "@internal/time/now"))
    await run_to_the_end(client, manual(), failing)
    async with private_client(services) as private:
        scraped = await private.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text
    assert 'flowauto_runs_started_total{trigger="manual"} 2.0' in text
    assert 'flowauto_runs_finished_total{status="success",trigger="manual"} 1.0' in text
    assert 'flowauto_runs_finished_total{status="failed",trigger="manual"} 1.0' in text
    assert re.search(r'flowauto_step_duration_seconds_count\{operator="@internal/time/now",'
                     r'status="success"\} 1\.0', text)  # fmt: skip
    assert re.search(r'flowauto_run_duration_seconds_bucket\{le="0\.001",status="success"\}', text)
    assert re.search(r'flowauto_http_requests_total\{method="POST",'
                     r'route="/api/automation/v1/dags/\{dag_id\}/run",server="public",'
                     r'status="201"\} 2\.0', text)  # fmt: skip
    assert "flowauto_tasks_in_flight 0.0" in text
    labels = re.findall(r"\{([^}]*)\}", text)
    assert not [one for one in labels if re.search(r'"\d{10,}"|/\d{10,}', one)], "ids as labels"


async def test_the_dashboard_queries_only_metrics_the_server_exports(services: Services) -> None:
    async with private_client(services) as private:
        text = (await private.get("/metrics")).text
    exported = set(re.findall(r"^# TYPE (\S+) \S+$", text, flags=re.MULTILINE))
    queried = dashboard_metric_names(DASHBOARD)
    assert queried
    assert queried - exported == set()


async def test_run_log_lines_name_the_run_the_task_and_the_trace(
    client: Any, local_http: LocalHttp
) -> None:
    out = io.StringIO()
    configure_logging("INFO", "json")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    try:
        call = step("2", "@internal/http/request", method="GET", url=f"{local_http.url}/x")
        run_id = await run_to_the_end(client, manual(), call)
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    run_lines = [line for line in lines if line.get("run_id") == run_id]
    events = [line["event"] for line in run_lines]
    assert events[0] == "run started"
    assert "step finished" in events
    assert events[-1] == "run finished"
    finished = next(line for line in run_lines if line["event"] == "step finished"
                    and line["step_id"] == "2")  # fmt: skip
    assert finished["task_id"]
    assert finished["status"] == "success"
    for line in run_lines:
        assert line["dag_id"]
        assert line["trace_id"] == CALLER_TRACE
        assert len(line["span_id"]) == 16
    access = [line for line in lines if line.get("logger") == "flowauto.access"]
    assert {"method", "route", "status", "duration_ms"} <= set(access[0])


async def test_a_run_started_by_a_kafka_event_joins_the_publishers_trace(
    exporter: InMemorySpanExporter,
) -> None:
    bus = InMemoryEventBus()
    metrics = PrometheusMetrics()
    tracer = OtelTracer(SimpleSpanProcessor(exporter))
    services = build_in_memory(bus=bus, telemetry=Telemetry(metrics, tracer))
    assert services.event_triggers is not None
    trigger = {"id": "1", "operator": "@trigger/event", "parameters": {"topic": "orders"}}
    dag = await create_dag(services, trigger, step("2", "@internal/time/now"))
    envelope = {"specversion": "1.0", "id": "e1", "source": "shop", "type": "order.created"}
    await services.event_triggers.start()
    try:
        await bus.publish(BusMessage(topic="orders", value=json.dumps(envelope).encode(),
                                     headers={"traceparent": CALLER}))  # fmt: skip
        runs = await runs_of(services, dag.id)
        await settled(services, runs[0].id)
    finally:
        await services.event_triggers.stop()
    assert runs[0].traceparent == CALLER
    assert tree(exporter.get_finished_spans()) == ["run <- caller"]
    assert 'flowauto_trigger_fires_total{kind="event"} 1.0' in metrics.exposition()[0].decode()


async def runs_of(services: Services, dag_id: str) -> tuple[Run, ...]:
    """The DAG's runs once there is one (the bus delivers in its own tasks)."""
    query = RunQuery(biz_domain_id="default", dag_id=dag_id)
    async with asyncio.timeout(5):
        while True:
            found = (await services.runs.find(ADMIN, query)).items
            if found:
                return found
            await asyncio.sleep(0.01)


async def test_pure_steps_get_spans_of_their_own_when_asked(
    exporter: InMemorySpanExporter,
) -> None:
    tracer = OtelTracer(SimpleSpanProcessor(exporter))
    telemetry = Telemetry(PrometheusMetrics(), tracer, pure_step_spans=True)
    async with public_client(build_in_memory(telemetry=telemetry)) as client:
        await run_to_the_end(client, manual(), step("2", "@internal/time/now"))
    assert tree(exporter.get_finished_spans())[-1] == "step 2 <- run"
