"""The Grafana dashboard shipped with the chart queries only metrics the server exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.chart import DASHBOARD
from tests.deploy.dashboard import SERVER_METRICS, dashboard_metric_names, metric_names


def load_dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def test_every_panel_has_a_query() -> None:
    panels = load_dashboard()["panels"]

    assert panels
    for panel in panels:
        exprs = [target.get("expr", "").strip() for target in panel.get("targets", [])]
        assert exprs, f"panel {panel['title']!r} has no query"
        assert all(exprs), f"panel {panel['title']!r} has an empty query"


def test_panel_ids_are_unique() -> None:
    ids = [panel["id"] for panel in load_dashboard()["panels"]]

    assert len(ids) == len(set(ids))


def test_dashboard_queries_only_metrics_the_server_exports() -> None:
    names = dashboard_metric_names(DASHBOARD)

    assert names
    assert names <= SERVER_METRICS, names - SERVER_METRICS


def test_dashboard_shows_throughput_latency_queue_and_errors() -> None:
    dashboard = load_dashboard()
    exprs = " ".join(target["expr"] for panel in dashboard["panels"] for target in panel["targets"])

    assert dashboard_metric_names(DASHBOARD) >= {
        "flowauto_runs_finished_total",
        "flowauto_run_duration_seconds",
        "flowauto_step_duration_seconds",
        "flowauto_queue_depth",
        "flowauto_tasks_in_flight",
        "flowauto_http_requests_total",
    }
    for histogram in ("flowauto_run_duration_seconds", "flowauto_step_duration_seconds"):
        for quantile in ("0.5", "0.95", "0.99"):
            assert f"histogram_quantile({quantile}, sum by (le) (rate({histogram}_bucket" in exprs
    assert 'status="failed"' in exprs
    assert 'status=~"5.."' in exprs


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (
            'sum by (status) (rate(flowauto_runs_finished_total{job="x"}[5m]))',
            {"flowauto_runs_finished_total"},
        ),
        (
            "histogram_quantile(0.99, sum by (le) "
            "(rate(flowauto_run_duration_seconds_bucket[$__rate_interval])))",
            {"flowauto_run_duration_seconds"},
        ),
        (
            "rate(flowauto_step_duration_seconds_sum[1m]) / "
            "rate(flowauto_step_duration_seconds_count[1m])",
            {"flowauto_step_duration_seconds"},
        ),
        ('max(up{namespace=~"$namespace", route="/a{b}"}) offset 1h30m', {"up"}),
        ("sum(a) without (pod) * on (job) group_left(team) b > bool 1e-3", {"a", "b"}),
        (
            "1-flowauto_queue_depth unless absent(other_metric)",
            {"flowauto_queue_depth", "other_metric"},
        ),
        ("sum(rate(x:y_total[5m:30s])) by (kind)", {"x:y_total"}),
        ("vector(1) and on() time() > 0x1F", set()),
    ],
)
def test_metric_names_skips_functions_labels_grouping_and_durations(
    expr: str, expected: set[str]
) -> None:
    assert metric_names(expr) == expected


def test_variable_queries_count_their_series_selector(tmp_path: Path) -> None:
    path = tmp_path / "dashboard.json"
    path.write_text(
        json.dumps(
            {
                "panels": [
                    {"type": "row", "panels": [{"targets": [{"expr": "rate(a_total[1m])"}]}]}
                ],
                "templating": {
                    "list": [
                        {"type": "query", "query": {"query": 'label_values(b{x="1"}, job)'}},
                        {"type": "query", "query": "label_values(namespace)"},
                        {"type": "datasource", "query": "prometheus"},
                    ]
                },
            }
        )
    )

    assert dashboard_metric_names(path) == {"a_total", "b"}
