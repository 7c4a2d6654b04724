"""The metric names a Grafana dashboard queries, read from its PromQL expressions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# What the server exports (prometheus-client); histograms add _bucket, _sum and _count.
SERVER_METRICS = frozenset(
    {
        "flowauto_runs_started_total",
        "flowauto_runs_finished_total",
        "flowauto_run_duration_seconds",
        "flowauto_step_duration_seconds",
        "flowauto_queue_depth",
        "flowauto_tasks_in_flight",
        "flowauto_lease_expiries_total",
        "flowauto_trigger_fires_total",
        "flowauto_event_consumer_lag",
        "flowauto_http_requests_total",
        "flowauto_http_request_duration_seconds",
    }
)

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\]")
_LABEL_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
# Numbers, including hexadecimal, exponents and durations such as 1h30m (after `offset`).
_NUMBER = r"0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:(?:ms|[smhdwy])\d*)*"
_TOKEN = re.compile(rf"(?P<number>{_NUMBER})|(?P<name>[A-Za-z_:][\w:]*)(?P<call>\s*\()?")
_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
    | {"and", "or", "unless", "atan2", "inf", "nan", "Inf", "NaN"}
)
_HISTOGRAM_SUFFIX = re.compile(r"_(?:bucket|sum|count)$")
# Grafana's Prometheus variable queries: label_values(expr, label), query_result(expr).
_LABEL_VALUES = re.compile(r"^\s*label_values\((?P<expr>.*),\s*[A-Za-z_]\w*\s*\)\s*$", re.S)
_QUERY_RESULT = re.compile(r"^\s*query_result\((?P<expr>.*)\)\s*$", re.S)


def dashboard_metric_names(path: Path | str) -> set[str]:
    """Base metric names (without _bucket/_sum/_count) of every query in the dashboard: panel
    targets, nested panels of rows, and query variables."""
    dashboard = json.loads(Path(path).read_text())
    return {name for expr in dashboard_expressions(dashboard) for name in metric_names(expr)}


def dashboard_expressions(dashboard: dict[str, Any]) -> list[str]:
    expressions = [
        target["expr"]
        for panel in _panels(dashboard.get("panels", []))
        for target in panel.get("targets", [])
        if target.get("expr")
    ]
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable.get("query")
            text = query.get("query", "") if isinstance(query, dict) else str(query or "")
            expressions.extend(_variable_expression(text))
    return expressions


def metric_names(expr: str) -> set[str]:
    """The metrics a PromQL expression selects, histogram suffixes removed. Functions,
    aggregations, keywords, label names, label values and durations are not metrics."""
    text = _STRING.sub('""', expr)
    text = _GRAFANA_VARIABLE.sub("0", text)
    text = _LABEL_MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for token in _TOKEN.finditer(text):
        name = token.group("name")
        if name is None or token.group("call") or name in _KEYWORDS:
            continue
        names.add(_HISTOGRAM_SUFFIX.sub("", name))
    return names


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def _variable_expression(query: str) -> list[str]:
    for pattern in (_LABEL_VALUES, _QUERY_RESULT):
        match = pattern.match(query)
        if match:
            return [match.group("expr")]
    # label_values(label), label_names(), metrics(regex): no series selector.
    return []
